package dev.portcullis.gateway.policy;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Which response headers a policy may set (PolicyContext.addResponseHeader). */
public final class ResponseHeaders {

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
  /** Framing, cookies, transport security and what the core itself answers with. */
  private static final Set<String> REFUSED = Set.of("set-cookie", "connection", "transfer-encoding", "upgrade",
      "keep-alive", "te", "trailer", "proxy-authenticate", "strict-transport-security", "location",
      "www-authenticate", "x-request-id", "content-security-policy");

  private ResponseHeaders() {
  }

  /** Throws IllegalArgumentException naming why {@code name: value} may not be set by a policy. */
  public static void check(String name, String value) {
    if (name == null || !TOKEN.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a valid header name");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (REFUSED.contains(lower) || lower.startsWith("content-")) {
      throw new IllegalArgumentException("a policy may not set the response header '" + name + "'");
    }
    if (value == null || value.length() > 1024 || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
      throw new IllegalArgumentException("the value of response header '" + name
          + "' must be at most 1024 characters without control characters");
    }
  }
}
