package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.net.PathNormalizer;
import io.vertx.core.net.HostAndPort;

import java.util.Locale;

/** Step 2: the canonical path and host, before anything else looks at the request. */
final class NormalizeStage implements Stage {

  private final PathNormalizer normalizer;

  NormalizeStage(PathNormalizer normalizer) {
    this.normalizer = normalizer;
  }

  @Override
  public void handle(Exchange exchange) {
    HostAndPort authority = exchange.request().authority();
    if (authority == null || authority.host().isEmpty()) {
      exchange.reject(Problem.badRequest("MISSING_HOST", "the request has no Host header"));
      return;
    }
    String uri = exchange.request().uri();
    int q = uri.indexOf('?');
    String rawPath = q < 0 ? uri : uri.substring(0, q);
    if (rawPath.indexOf('#') >= 0) {
      exchange.reject(Problem.badRequest("INVALID_PATH", "the request target contains a fragment"));
      return;
    }
    try {
      exchange.path(normalizer.normalize(rawPath));
    } catch (PathNormalizer.RejectedPathException e) {
      exchange.reject(Problem.badRequest("INVALID_PATH", e.getMessage()));
      return;
    }
    exchange.host(authority.host().toLowerCase(Locale.ROOT));
    exchange.next();
  }
}
