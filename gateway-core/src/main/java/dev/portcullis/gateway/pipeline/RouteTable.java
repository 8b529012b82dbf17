package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.policy.PolicyChain;
import dev.portcullis.gateway.proxy.Upstream;

import java.util.List;

/**
 * The routes of one config version in file order; the first that matches host, path and method
 * wins. A path prefix matches whole segments: {@code /api} matches {@code /api} and {@code /api/x}
 * but not {@code /apix} (a prefix that ends in {@code /} matches exactly what starts with it).
 */
public final class RouteTable {

  /** A route ready to serve: its config, its live upstream and its policy chain. */
  /**
   * @param assertionHeaders the assertion header names of every route of this configuration: none of
   *                         them may come from a client, whichever route the request takes
   */
  public record CompiledRoute(GatewayConfig.Route config, Upstream upstream, PolicyChain chain,
      java.util.List<String> assertionHeaders) {

    public String id() {
      return config.id();
    }

    public boolean matches(String host, String path, String method) {
      GatewayConfig.Match m = config.match();
      if (m.host() != null && !m.host().matches(host)) {
        return false;
      }
      if (!m.methods().isEmpty() && !m.methods().contains(method)) {
        return false;
      }
      if (m.pathRegex() != null) {
        return m.pathRegex().matcher(path).matches();
      }
      return prefixMatches(m.pathPrefix(), path);
    }

    /** The path to send upstream, after the route's prefix rewrite. */
    public String upstreamPath(String path) {
      String replacement = config.replacePrefix();
      if (replacement == null) {
        return path;
      }
      String rest = path.substring(config.match().pathPrefix().length());
      if (rest.isEmpty()) {
        return replacement;
      }
      boolean replacementSlash = replacement.endsWith("/");
      boolean restSlash = rest.startsWith("/");
      if (replacementSlash && restSlash) {
        return replacement + rest.substring(1);
      }
      if (!replacementSlash && !restSlash) {
        return replacement + "/" + rest;
      }
      return replacement + rest;
    }
  }

  private final CompiledRoute[] routes;

  public RouteTable(List<CompiledRoute> routes) {
    this.routes = routes.toArray(new CompiledRoute[0]);
  }

  /** The route with this id, or null. */
  public CompiledRoute byId(String id) {
    for (CompiledRoute route : routes) {
      if (route.id().equals(id)) {
        return route;
      }
    }
    return null;
  }

  public CompiledRoute match(String host, String path, String method) {
    for (CompiledRoute route : routes) {
      if (route.matches(host, path, method)) {
        return route;
      }
    }
    return null;
  }

  static boolean prefixMatches(String prefix, String path) {
    if (!path.startsWith(prefix)) {
      return false;
    }
    return prefix.endsWith("/") || path.length() == prefix.length() || path.charAt(prefix.length()) == '/';
  }
}
