package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.config.GatewayConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route's upstream: its targets (round-robin, skipping ejected ones), a pooled HTTP client, a
 * client for WebSocket tunnels and a Resilience4j circuit breaker. When every target is ejected the one whose
 * ejection ends first is tried anyway (better a likely failure than a certain one); the breaker is
 * what stops traffic to an upstream that is down as a whole.
 */
public final class Upstream {

  private static final Logger LOG = LoggerFactory.getLogger(Upstream.class);

  private final String routeId;
  private final GatewayConfig.Upstream config;
  private final List<UpstreamTarget> targets;
  private final AtomicInteger next = new AtomicInteger();
  private final HttpClientAgent client;
  private final HttpClientAgent tunnelClient;
  private final CircuitBreaker breaker;

  public Upstream(Vertx vertx, String routeId, GatewayConfig.Upstream config) {
    this.routeId = routeId;
    this.config = config;
    this.targets = config.targets().stream().map(UpstreamTarget::new).toList();
    boolean anyTls = targets.stream().anyMatch(UpstreamTarget::ssl);
    TrustOptions trust = config.tls().caFile() == null ? null
        : new PemTrustOptions().addCertPath(config.tls().caFile().toString());
    if (anyTls && !config.tls().verify()) {
      LOG.warn("route {}: TLS certificate verification towards the upstream is OFF; "
          + "anyone on the path can impersonate it", routeId);
    }
    HttpClientOptions options = new HttpClientOptions()
        .setName("upstream-" + routeId)
        .setKeepAlive(true)
        .setKeepAliveTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, config.timeouts().idle().toSeconds())))
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeouts().connect().toMillis()))
        .setMaxHeaderSize(64 * 1024)
        .setDecompressionSupported(false)
        .setTcpNoDelay(true)
        .setVerifyHost(config.tls().verify())
        .setTrustAll(!config.tls().verify());
    if (trust != null) {
      options.setTrustOptions(trust);
    }
    this.client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.maxConnections()));
    // WebSocket tunnels hold their connection for as long as they live: a pool of their own, so
    // that open WebSockets never starve ordinary requests of connections
    this.tunnelClient = vertx.createHttpClient(new HttpClientOptions(options).setName("upstream-ws-" + routeId),
        new PoolOptions().setHttp1MaxSize(10_000));
    GatewayConfig.Breaker b = config.circuitBreaker();
    this.breaker = CircuitBreaker.of("upstream-" + routeId, CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(b.slidingWindowSize())
        .minimumNumberOfCalls(b.minimumCalls())
        .failureRateThreshold(b.failureRateThreshold())
        .waitDurationInOpenState(b.openDuration())
        .permittedNumberOfCallsInHalfOpenState(Math.min(3, b.minimumCalls()))
        .recordExceptions(Throwable.class)
        .build());
  }

  public String routeId() {
    return routeId;
  }

  public GatewayConfig.Upstream config() {
    return config;
  }

  public HttpClientAgent client() {
    return client;
  }

  /** The client WebSocket upgrades are tunnelled through. */
  public HttpClientAgent tunnelClient() {
    return tunnelClient;
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  /** The next target in turn that is not ejected. */
  public UpstreamTarget choose() {
    int n = targets.size();
    int start = Math.floorMod(next.getAndIncrement(), n);
    long now = System.nanoTime();
    UpstreamTarget soonest = null;
    for (int i = 0; i < n; i++) {
      UpstreamTarget t = targets.get((start + i) % n);
      if (!t.ejected(now)) {
        return t;
      }
      if (soonest == null || t.ejectedUntilNanos() - soonest.ejectedUntilNanos() < 0) {
        soonest = t;
      }
    }
    return soonest;
  }

  public void succeeded(UpstreamTarget target, long elapsedNanos) {
    target.succeeded();
    breaker.onSuccess(elapsedNanos, TimeUnit.NANOSECONDS);
  }

  /** A transport failure (refused, reset, timed out): counts against the target and the breaker. */
  public void failed(UpstreamTarget target, long elapsedNanos, Throwable cause) {
    target.failed(config.ejection().consecutiveFailures(), config.ejection().duration().toNanos());
    breaker.onError(elapsedNanos, TimeUnit.NANOSECONDS, cause);
  }

  /** Closes the clients once in-flight requests are done, or after {@code grace}. */
  public Future<Void> close(Duration grace) {
    return Future.all(client.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS),
        tunnelClient.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS)).mapEmpty();
  }
}
