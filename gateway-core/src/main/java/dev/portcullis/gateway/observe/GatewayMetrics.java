package dev.portcullis.gateway.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's Prometheus metrics (served on the admin listener at {@code /metrics}):
 * <ul>
 *   <li>{@code portcullis_requests_total{route,status}} — every answered request;</li>
 *   <li>{@code portcullis_upstream_latency_seconds{route}} — time to the upstream's response head (histogram);</li>
 *   <li>{@code portcullis_open_connections{listener}};</li>
 *   <li>{@code portcullis_config_reloads_total{result}}, {@code portcullis_config_last_reload_success},
 *       {@code portcullis_config_last_reload_timestamp_seconds};</li>
 *   <li>{@code portcullis_upstream_circuit_open{route}} (via the upstreams), plus JVM metrics.</li>
 * </ul>
 */
public final class GatewayMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<String, Counter> requestCounters = new ConcurrentHashMap<>();
  private final Map<String, Timer> upstreamTimers = new ConcurrentHashMap<>();
  private final AtomicInteger publicConnections = new AtomicInteger();
  private final AtomicInteger lastReloadSuccess = new AtomicInteger(1);
  private final AtomicLong lastReloadEpochSeconds = new AtomicLong();

  public GatewayMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    Gauge.builder("portcullis_open_connections", publicConnections, AtomicInteger::get)
        .description("Open client connections").tag("listener", "public").register(registry);
    Gauge.builder("portcullis_config_last_reload_success", lastReloadSuccess, AtomicInteger::get)
        .description("1 when the last configuration (re)load was applied, 0 when it was rejected")
        .register(registry);
    Gauge.builder("portcullis_config_last_reload_timestamp_seconds", lastReloadEpochSeconds, AtomicLong::get)
        .description("When the configuration was last (re)loaded or rejected").register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  public AtomicInteger publicConnections() {
    return publicConnections;
  }

  public void request(String route, int status) {
    String key = route + '|' + status;
    Counter counter = requestCounters.get(key);
    if (counter == null) {
      counter = requestCounters.computeIfAbsent(key, k -> Counter.builder("portcullis_requests_total")
          .description("Requests answered, by route and status")
          .tag("route", route).tag("status", Integer.toString(status)).register(registry));
    }
    counter.increment();
  }

  public void upstreamLatency(String route, long nanos) {
    Timer timer = upstreamTimers.get(route);
    if (timer == null) {
      timer = upstreamTimers.computeIfAbsent(route, r -> Timer.builder("portcullis_upstream_latency")
          .description("Time from sending to the upstream until its response head arrived")
          .tag("route", r)
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(60))
          .register(registry));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  private final Map<String, Counter> identityCounters = new ConcurrentHashMap<>();

  /**
   * {@code portcullis_authentications_total{method,result}}: per request, how a presented credential
   * fared (method session, bearer, api-token; result accepted or refused).
   */
  public void authentication(String method, String result) {
    identityCounter("portcullis_authentications_total", "Credentials presented on requests, by method and result",
        method, result);
  }

  /** {@code portcullis_sign_ins_total{method,result}}: method pwd or sso (first factor), otp or rc (second); result success, failure, locked. */
  public void signIn(String method, String result) {
    identityCounter("portcullis_sign_ins_total", "Sign-ins at the login portal, by method and result", method,
        result);
  }

  private void identityCounter(String name, String description, String method, String result) {
    String key = name + '|' + method + '|' + result;
    Counter counter = identityCounters.get(key);
    if (counter == null) {
      counter = identityCounters.computeIfAbsent(key, k -> Counter.builder(name).description(description)
          .tag("method", method).tag("result", result).register(registry));
    }
    counter.increment();
  }

  private final Map<String, Counter> policyCounters = new ConcurrentHashMap<>();
  private final Map<String, Timer> policyTimers = new ConcurrentHashMap<>();

  /**
   * {@code portcullis_policy_decisions_total{route,policy,outcome}}: outcome is allowed, denied,
   * challenged, abstained, error, or the same prefixed with {@code shadow_}.
   */
  public void policyOutcome(String route, String policy, String outcome) {
    String key = route + '|' + policy + '|' + outcome;
    Counter counter = policyCounters.get(key);
    if (counter == null) {
      counter = policyCounters.computeIfAbsent(key, k -> Counter.builder("portcullis_policy_decisions_total")
          .description("Policy decisions by route, policy and outcome")
          .tag("route", route).tag("policy", policy).tag("outcome", outcome).register(registry));
    }
    counter.increment();
  }

  /** {@code portcullis_policy_evaluation_seconds{route,policy}}. */
  public void policyLatency(String route, String policy, long nanos) {
    String key = route + '|' + policy;
    Timer timer = policyTimers.get(key);
    if (timer == null) {
      timer = policyTimers.computeIfAbsent(key, k -> Timer.builder("portcullis_policy_evaluation")
          .description("Time a policy took to decide")
          .tag("route", route).tag("policy", policy)
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofNanos(1000))
          .maximumExpectedValue(Duration.ofSeconds(10))
          .register(registry));
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Records delivered to an audit sink. */
  public void auditShipped(String sink, int records) {
    registry.counter("portcullis_audit_shipped_total", "sink", sink).increment(records);
  }

  /** A failed delivery to an audit sink (it is retried). */
  public void auditShipFailed(String sink) {
    registry.counter("portcullis_audit_ship_failures_total", "sink", sink).increment();
  }

  /** Whether the audit journal can be written (1) or not (0). */
  public void auditAvailable(java.util.function.BooleanSupplier available) {
    io.micrometer.core.instrument.Gauge.builder("portcullis_audit_journal_available",
        () -> available.getAsBoolean() ? 1 : 0).description("1 while the audit journal can be written")
        .register(registry);
  }

  public void configReload(boolean applied) {
    registry.counter("portcullis_config_reloads_total", "result", applied ? "applied" : "rejected").increment();
    lastReloadSuccess.set(applied ? 1 : 0);
    lastReloadEpochSeconds.set(System.currentTimeMillis() / 1000);
  }
}
