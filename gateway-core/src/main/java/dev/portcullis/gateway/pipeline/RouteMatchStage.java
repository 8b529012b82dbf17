package dev.portcullis.gateway.pipeline;

/**
 * Step 3: host + path + method to a route; no match is a 404 and nothing is forwarded. Routes are
 * matched on the path without {@code ;parameters} in its segments, because servers such as Tomcat,
 * Jetty and Spring serve {@code /admin;x/secret} as {@code /admin/secret}: it must meet the
 * {@code /admin} route's policies, not slip past them to a looser route.
 */
final class RouteMatchStage implements Stage {

  private final RouteTable routes;

  RouteMatchStage(RouteTable routes) {
    this.routes = routes;
  }

  @Override
  public void handle(Exchange exchange) {
    RouteTable.CompiledRoute route =
        routes.match(exchange.host(), withoutParameters(exchange.path()), exchange.request().method().name());
    if (route == null) {
      exchange.reject(Problem.notFound());
      return;
    }
    exchange.route(route);
    exchange.next();
  }

  static String withoutParameters(String path) {
    if (path.indexOf(';') < 0) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length());
    boolean skipping = false;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '/') {
        skipping = false;
      } else if (c == ';') {
        skipping = true;
      }
      if (!skipping) {
        out.append(c);
      }
    }
    return out.toString();
  }
}
