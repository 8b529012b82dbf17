package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.pipeline.AccessAudit;
import dev.portcullis.gateway.pipeline.Exchange;
import dev.portcullis.plugin.AttributeKey;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.PolicyContext;
import dev.portcullis.plugin.RequestView;
import dev.portcullis.plugin.audit.PluginEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** The {@link PolicyContext} of one request, a thin view over its {@link Exchange}. */
public final class RequestPolicyContext implements PolicyContext, RequestView {

  private final Exchange exchange;
  private final Vertx vertx;
  private final Clock clock;
  private Map<AttributeKey<?>, Object> attributes;
  private String evaluating;
  private boolean evaluatingShadow;


  private final dev.portcullis.plugin.limits.TokenBuckets buckets;

  public RequestPolicyContext(Exchange exchange, Vertx vertx, Clock clock,
      dev.portcullis.plugin.limits.TokenBuckets buckets) {
    this.exchange = exchange;
    this.vertx = vertx;
    this.clock = clock;
    this.buckets = buckets;
  }

  @Override
  public RequestView request() {
    return this;
  }

  @Override
  public String method() {
    return exchange.request().method().name();
  }

  @Override
  public String path() {
    return exchange.path();
  }

  @Override
  public String query() {
    return exchange.request().query();
  }

  @Override
  public String host() {
    return exchange.host();
  }

  @Override
  public String header(String name) {
    return exchange.request().getHeader(name);
  }

  @Override
  public List<String> headers(String name) {
    return List.copyOf(exchange.request().headers().getAll(name));
  }

  @Override
  public String clientAddress() {
    return exchange.clientAddress();
  }

  @Override
  public Optional<Identity> identity() {
    return Optional.ofNullable(exchange.identity());
  }

  @Override
  public String routeId() {
    return exchange.route().id();
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public <T> T attribute(AttributeKey<T> key) {
    return attributes == null ? null : key.cast(attributes.get(key));
  }

  @Override
  public <T> void attribute(AttributeKey<T> key, T value) {
    if (key == dev.portcullis.plugin.CoreAttributes.PERMISSIONS_USED) {
      usedPermission((String) value);
      return;
    }
    if (attributes == null) {
      attributes = new HashMap<>(4);
    }
    attributes.put(key, value);
  }

  /**
   * Permissions used accumulate over the chain (several authorizers may each add theirs), are
   * deduplicated, and come only from enforcing policies: a shadow policy decides nothing.
   */
  private void usedPermission(String value) {
    if (evaluatingShadow || value == null || value.isBlank()) {
      return;
    }
    if (attributes == null) {
      attributes = new HashMap<>(4);
    }
    String merged = PermissionsUsed.merge((String) attributes.get(dev.portcullis.plugin.CoreAttributes.PERMISSIONS_USED),
        value);
    if (merged != null) {
      attributes.put(dev.portcullis.plugin.CoreAttributes.PERMISSIONS_USED, merged);
    }
  }

  @Override
  public void addUpstreamHeader(String name, String value) {
    exchange.upstreamHeader(name, value);
  }

  @Override
  public void addResponseHeader(String name, String value) {
    ResponseHeaders.check(name, value);
    exchange.response().headers().set(name, value);
  }

  @Override
  public dev.portcullis.plugin.limits.TokenBuckets buckets() {
    return buckets;
  }

  @Override
  public <T> Future<T> executeBlocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  @Override
  public void audit(String name, Map<String, String> details) {
    exchange.auditNote(new AccessAudit.Plugin(evaluating, new PluginEvent(name, details)));
  }

  /** Which policy of the chain is running (its events are attributed to it). */
  void evaluating(String policyId, boolean shadow) {
    this.evaluating = policyId;
    this.evaluatingShadow = shadow;
  }

  /** Notes what a shadow policy would have decided, for the audit journal. */
  void shadowed(String policyId, String wouldBe, String key) {
    exchange.auditNote(new AccessAudit.Shadow(policyId, wouldBe, key));
  }
}
