package dev.portcullis.plugin.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Parses IP address literals without ever touching DNS: {@link InetAddress#getByName} is only called
 * on strings that are already syntactically a literal, for which it does no lookup.
 */
public final class IpAddresses {

  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  // must start with a hex digit or ':' so that nothing like ".:" ever reaches a name lookup
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*(%[A-Za-z0-9_.]+)?");

  private IpAddresses() {
  }

  /**
   * The address bytes (4 for IPv4, 16 for IPv6; an IPv4-mapped IPv6 address gives 4), or null when
   * the text is not an IP literal. Brackets around IPv6 are accepted.
   */
  public static byte[] parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    String s = text.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    boolean v4 = IPV4.matcher(s).matches();
    boolean v6 = !v4 && s.indexOf(':') >= 0 && IPV6_CHARS.matcher(s).matches();
    if (!v4 && !v6) {
      return null;
    }
    try {
      byte[] bytes = InetAddress.getByName(s).getAddress();
      return unmapIpv4(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /**
   * Whether a host names this machine by its text alone: {@code localhost}, an address in
   * 127.0.0.0/8, or ::1 (brackets accepted). Never looks a name up.
   */
  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    if (host.trim().equalsIgnoreCase("localhost")) {
      return true;
    }
    byte[] address = parse(host);
    if (address == null) {
      return false;
    }
    try {
      return InetAddress.getByAddress(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The canonical text form (IPv6 compressed as the JDK prints it), or null when not a literal. */
  public static String canonical(String text) {
    byte[] bytes = parse(text);
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes).getHostAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] unmapIpv4(byte[] bytes) {
    if (bytes.length != 16) {
      return bytes;
    }
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return bytes;
      }
    }
    if (bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
      return bytes;
    }
    return new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
  }
}
