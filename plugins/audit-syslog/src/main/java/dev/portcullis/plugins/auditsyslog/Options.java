package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.plugin.net.IpAddresses;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing shared by validation and creation: durations and the loopback rule (no DNS). */
final class Options {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private Options() {
  }

  /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}; null when the text is not one. */
  static Duration duration(String raw) {
    Matcher m = DURATION.matcher(raw.trim());
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }

  /** {@code localhost}, an address in 127.0.0.0/8, or ::1 — decided on the text, never by a lookup. */
  static boolean loopback(String host) {
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    byte[] address = IpAddresses.parse(host);
    if (address == null) {
      return false;
    }
    try {
      return InetAddress.getByAddress(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
