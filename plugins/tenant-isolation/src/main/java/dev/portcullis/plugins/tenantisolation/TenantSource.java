package dev.portcullis.plugins.tenantisolation;

import dev.portcullis.plugin.RequestView;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a request names its tenant. Each source returns the tenant only when it is well-formed
 * ({@link #TENANT}); anything missing, ambiguous or malformed is null, which the policy refuses.
 */
sealed interface TenantSource permits TenantSource.Host, TenantSource.Path, TenantSource.Header {

  /** A tenant id as it may appear in a request: a DNS label in lower case. */
  Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  /** The well-formed tenant the request names, or null. */
  String tenant(RequestView request);

  private static String wellFormed(String candidate) {
    return candidate != null && TENANT.matcher(candidate).matches() ? candidate : null;
  }

  /**
   * The one label of the host name at the place of {@code {tenant}} in the pattern; the labels
   * before and after it must equal the pattern's. Case-insensitive; a port and a trailing dot are
   * ignored; an IP literal names no tenant.
   *
   * @param prefix the pattern's lower-case literal labels before the tenant, each followed by a dot
   * @param suffix the pattern's lower-case literal labels after the tenant, each preceded by a dot
   */
  record Host(String prefix, String suffix) implements TenantSource {

    @Override
    public String tenant(RequestView request) {
      String host = request.host();
      if (host == null || host.startsWith("[")) {
        return null;
      }
      host = host.toLowerCase(Locale.ROOT);
      int colon = host.indexOf(':');
      if (colon >= 0) {
        if (host.indexOf(':', colon + 1) >= 0) {
          return null; // an IPv6 address
        }
        host = host.substring(0, colon);
      }
      if (host.endsWith(".")) {
        host = host.substring(0, host.length() - 1);
      }
      if (host.length() <= prefix.length() + suffix.length() || !host.startsWith(prefix) || !host.endsWith(suffix)) {
        return null;
      }
      return wellFormed(host.substring(prefix.length(), host.length() - suffix.length()));
    }
  }

  /** The {@code segment}-th segment (1-based) of the canonical path, exactly as it is (no case folding). */
  record Path(int segment) implements TenantSource {

    @Override
    public String tenant(RequestView request) {
      String path = request.path();
      if (path == null || !path.startsWith("/")) {
        return null;
      }
      int start = 1;
      for (int i = 1; i < segment; i++) {
        int slash = path.indexOf('/', start);
        if (slash < 0) {
          return null;
        }
        start = slash + 1;
      }
      int end = path.indexOf('/', start);
      return wellFormed(path.substring(start, end < 0 ? path.length() : end));
    }
  }

  /** The value of one header, which must occur exactly once (no case folding, no trimming). */
  record Header(String name) implements TenantSource {

    @Override
    public String tenant(RequestView request) {
      List<String> values = request.headers(name);
      return values.size() == 1 ? wellFormed(values.get(0)) : null;
    }
  }
}
