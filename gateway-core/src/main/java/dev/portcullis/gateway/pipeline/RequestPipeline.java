package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.net.ClientAddressResolver;
import dev.portcullis.gateway.net.PathNormalizer;
import dev.portcullis.gateway.observe.GatewayMetrics;
import dev.portcullis.gateway.observe.RequestObserver;
import dev.portcullis.gateway.policy.PolicyChain;
import dev.portcullis.gateway.proxy.Forwarder;
import dev.portcullis.gateway.proxy.Upstream;
import dev.portcullis.gateway.proxy.WebSocketRelay;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole journey of a request, built once per config version and swapped atomically on reload.
 * The listener hands every request to {@link #handle}; the stages below run in this order:
 * <ol>
 *   <li>(listener: TLS, limits on request line, headers and connections)</li>
 *   <li>normalise the path and host; resolve the client address; give the request its ids</li>
 *   <li>(beside the journey: the login portal and the JWKS answer their own paths)</li>
 *   <li>match a route (no match is 404)</li>
 *   <li>authenticate: API token, bearer JWT, session cookie or anonymous</li>
 *   <li>run the route's policy chain (deny by default; see PolicyChain)</li>
 *   <li>journal the decision to let it through (refusals are journaled as their response ends)</li>
 *   <li>enforce the body limit, add the signed identity assertion and forward to the upstream</li>
 * </ol>
 */
public final class RequestPipeline {

  private final GatewayConfig config;
  private final List<Upstream> upstreams;
  private final Stage[] stages;
  private final RequestObserver observer;
  private final String hsts;
  private final AccessAudit audit;
  private final RouteTable routeTable;
  private final PathNormalizer normalizer;

  /**
   * @param identity the identity services, or null when the configuration has no identity section
   *                 (then every request is anonymous)
   */
  public RequestPipeline(Vertx vertx, GatewayConfig config, RequestObserver observer, GatewayMetrics metrics,
      IdentityServices identity, AuditLog auditLog, Clock clock, dev.portcullis.plugin.limits.TokenBuckets buckets) {
    this.config = config;
    this.audit = new AccessAudit(auditLog);
    this.observer = observer;
    this.hsts = config.listeners().publicListener().hsts().headerValue();
    List<RouteTable.CompiledRoute> routes = new ArrayList<>();
    List<String> assertionHeaders = config.routes().stream().filter(r -> r.assertion() != null)
        .map(r -> r.assertion().header()).distinct().toList();
    List<Upstream> built = new ArrayList<>();
    for (GatewayConfig.Route route : config.routes()) {
      PolicyChain chain = new PolicyChain(vertx, route.id(), route.policies().stream()
          .map(spec -> new PolicyChain.Link(spec.id(), spec.create(), spec.shadow())).toList(),
          route.policyTimeout(), metrics);
      Upstream upstream = new Upstream(vertx, route.id(), route.upstream());
      built.add(upstream);
      routes.add(new RouteTable.CompiledRoute(route, upstream, chain, assertionHeaders));
    }
    this.upstreams = List.copyOf(built);
    this.routeTable = new RouteTable(routes);
    this.normalizer = new PathNormalizer(config.normalization().mergeSlashes());
    this.stages = new Stage[] {
        new NormalizeStage(normalizer),
        new ClientAddressStage(new ClientAddressResolver(config.trustedProxies())),
        new RequestIdStage(),
        new PortalStage(identity),
        new RouteMatchStage(routeTable),
        new AuthenticateStage(identity, metrics),
        new PolicyStage(vertx, clock, identity != null, buckets),
        new AuditStage(audit),
        new BodyLimitStage(),
        new AssertionStage(identity),
        new ForwardStage(new Forwarder(vertx, observer), new WebSocketRelay(observer)),
    };
  }

  public GatewayConfig config() {
    return config;
  }

  /** This version's routes (the admin API's dry run matches against them). */
  public RouteTable routes() {
    return routeTable;
  }

  /** The path normaliser every request passes first. */
  public PathNormalizer normalizer() {
    return normalizer;
  }

  public void handle(HttpServerRequest request) {
    request.pause(); // nothing reads the body until the forwarder pipes it
    new Exchange(request, stages, observer, hsts, audit).next();
  }

  /** Closes this version's upstream connection pools once their in-flight requests finish. */
  public Future<Void> retire(Duration grace) {
    List<Future<Void>> closing = new ArrayList<>();
    for (Upstream upstream : upstreams) {
      closing.add(upstream.close(grace));
    }
    return Future.all(closing).mapEmpty();
  }
}
