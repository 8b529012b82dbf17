package dev.portcullis.gateway.policy;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which response headers a policy may set (PolicyContext.addResponseHeader): an allowlist — the
 * rate-limit family, {@code Retry-After}, and application {@code X-…} headers other than those the
 * gateway, proxies or browsers give a meaning to. Anything else (caching, CORS, redirects, cookies,
 * framing, security policies) stays the upstream's or the core's.
 */
public final class ResponseHeaders {

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
  private static final Set<String> REFUSED_X = Set.of("x-request-id", "x-frame-options", "x-content-type-options",
      "x-xss-protection", "x-real-ip", "x-permitted-cross-domain-policies", "x-dns-prefetch-control");

  private ResponseHeaders() {
  }

  /** Throws IllegalArgumentException naming why {@code name: value} may not be set by a policy. */
  public static void check(String name, String value) {
    if (name == null || !TOKEN.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + name + "' is not a valid header name");
    }
    String lower = name.toLowerCase(Locale.ROOT);
    boolean allowed = lower.equals("retry-after") || lower.equals("ratelimit") || lower.startsWith("ratelimit-")
        || lower.startsWith("x-") && !REFUSED_X.contains(lower) && !lower.startsWith("x-forwarded-")
        && !lower.startsWith("x-portcullis");
    if (!allowed) {
      throw new IllegalArgumentException("a policy may not set the response header '" + name + "'");
    }
    if (value == null || value.length() > 1024 || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
      throw new IllegalArgumentException("the value of response header '" + name
          + "' must be at most 1024 characters without control characters");
    }
  }
}
