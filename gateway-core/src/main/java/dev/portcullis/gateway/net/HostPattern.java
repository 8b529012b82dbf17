package dev.portcullis.gateway.net;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A host to match: exact ({@code api.example.com}) or a wildcard for any subdomain
 * ({@code *.example.com} matches {@code a.example.com} and {@code a.b.example.com}, not
 * {@code example.com}). Case-insensitive; the request's port is ignored.
 */
public record HostPattern(String pattern) {

  private static final Pattern VALID =
      Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");

  public static HostPattern parse(String text) {
    String p = text.trim().toLowerCase(Locale.ROOT);
    if (!VALID.matcher(p).matches()) {
      throw new IllegalArgumentException("'" + text
          + "' is not a host name or a '*.domain' wildcard (IP literals and ports are not matched here)");
    }
    return new HostPattern(p);
  }

  /** @param host the request host, already lower-cased and without port */
  public boolean matches(String host) {
    if (host == null) {
      return false;
    }
    if (pattern.startsWith("*.")) {
      String suffix = pattern.substring(1);
      return host.length() > suffix.length() && host.endsWith(suffix);
    }
    return pattern.equals(host);
  }

  @Override
  public String toString() {
    return pattern;
  }
}
