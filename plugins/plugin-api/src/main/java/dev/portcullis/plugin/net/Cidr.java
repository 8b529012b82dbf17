package dev.portcullis.plugin.net;

import java.util.Arrays;

/**
 * An IPv4 or IPv6 network such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; a bare address is a
 * network of one. An IPv4 network never matches an IPv6 address and vice versa, except that
 * IPv4-mapped IPv6 addresses are compared as IPv4.
 */
public final class Cidr {

  private final byte[] network;
  private final int prefix;
  private final String text;

  private Cidr(byte[] network, int prefix, String text) {
    this.network = network;
    this.prefix = prefix;
    this.text = text;
  }

  /** Parses the text or throws {@link IllegalArgumentException} saying what is wrong. */
  public static Cidr parse(String text) {
    String s = text.trim();
    int slash = s.indexOf('/');
    String addressPart = slash < 0 ? s : s.substring(0, slash);
    byte[] address = IpAddresses.parse(addressPart);
    if (address == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR network");
    }
    // an IPv4-mapped IPv6 network (::ffff:a.b.c.d/n) is kept as the IPv4 network it maps
    boolean mapped = address.length == 4 && addressPart.indexOf(':') >= 0;
    int max = mapped ? 128 : address.length * 8;
    int prefix = max;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + text + "' has a prefix length that is not a number");
      }
      if (prefix < 0 || prefix > max) {
        throw new IllegalArgumentException("'" + text + "' has prefix length " + prefix + ", allowed 0.." + max);
      }
    }
    if (mapped) {
      if (prefix < 96) {
        throw new IllegalArgumentException("'" + text + "' is an IPv4-mapped network; its prefix must be 96..128");
      }
      prefix -= 96;
    }
    byte[] masked = mask(address, prefix);
    if (!Arrays.equals(masked, address)) {
      throw new IllegalArgumentException("'" + text + "' has host bits set; did you mean "
          + IpAddresses.canonical(addressPart) + " as a network? Write the network address");
    }
    return new Cidr(masked, prefix, s);
  }

  public boolean contains(byte[] address) {
    if (address == null || address.length != network.length) {
      return false;
    }
    return Arrays.equals(mask(address, prefix), network);
  }

  public boolean contains(String address) {
    return contains(IpAddresses.parse(address));
  }

  private static byte[] mask(byte[] address, int prefix) {
    byte[] out = address.clone();
    for (int i = 0; i < out.length; i++) {
      int bits = Math.max(0, Math.min(8, prefix - i * 8));
      out[i] &= (byte) (bits == 0 ? 0 : 0xff << (8 - bits));
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
  }

  @Override
  public String toString() {
    return text;
  }
}
