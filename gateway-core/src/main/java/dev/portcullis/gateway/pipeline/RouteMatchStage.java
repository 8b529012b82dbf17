package dev.portcullis.gateway.pipeline;

/** Step 3: host + path + method to a route; no match is a 404 and nothing is forwarded. */
final class RouteMatchStage implements Stage {

  private final RouteTable routes;

  RouteMatchStage(RouteTable routes) {
    this.routes = routes;
  }

  @Override
  public void handle(Exchange exchange) {
    RouteTable.CompiledRoute route =
        routes.match(exchange.host(), exchange.path(), exchange.request().method().name());
    if (route == null) {
      exchange.reject(Problem.notFound());
      return;
    }
    exchange.route(route);
    exchange.next();
  }
}
