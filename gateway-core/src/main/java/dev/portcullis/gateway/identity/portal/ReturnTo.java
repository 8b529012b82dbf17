package dev.portcullis.gateway.identity.portal;

import dev.portcullis.gateway.net.HostPattern;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Where a login may send the browser afterwards: a path on this host, or an https URL on a host
 * the configuration serves. Anything else (another site, {@code //evil}, {@code /\evil},
 * {@code javascript:}, control characters) is refused: no open redirect.
 */
final class ReturnTo {

  private final java.util.function.Supplier<List<HostPattern>> hosts;

  ReturnTo(java.util.function.Supplier<List<HostPattern>> hosts) {
    this.hosts = hosts;
  }

  /** The safe target, or null when {@code value} must not be followed. Empty means "/". */
  String validate(String value, String requestHost) {
    if (value == null || value.isEmpty()) {
      return "/";
    }
    if (value.length() > 2048) {
      return null;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x21 || c == 0x7f || c == '\\') {
        return null;
      }
    }
    if (value.startsWith("/")) {
      return value.startsWith("//") ? null : value;
    }
    try {
      URI uri = new URI(value);
      if (!"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null) {
        return null;
      }
      String host = uri.getHost().toLowerCase(Locale.ROOT);
      if (host.equals(requestHost) || hosts.get().stream().anyMatch(p -> p.matches(host))) {
        return uri.toString();
      }
      return null;
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
