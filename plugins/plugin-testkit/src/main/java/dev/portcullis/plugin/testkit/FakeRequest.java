package dev.portcullis.plugin.testkit;

import dev.portcullis.plugin.AttributeKey;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.PolicyContext;
import dev.portcullis.plugin.RequestView;
import dev.portcullis.plugin.audit.PluginEvent;
import io.vertx.core.Future;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A {@link PolicyContext} for unit tests, built fluently: {@code FakeRequest.get("/x").from("10.0.0.1")}.
 * No sockets, no event loop: {@link #executeBlocking} runs the work at once on the calling thread.
 * Headers the policy adds upstream can be read back with {@link #upstreamHeaders()}.
 */
public final class FakeRequest implements PolicyContext, RequestView {

  private String method = "GET";
  private String path = "/";
  private String query;
  private String host = "localhost";
  private final Map<String, List<String>> headers = new LinkedHashMap<>();
  private String clientAddress = "127.0.0.1";
  private Identity identity;
  private String routeId = "test-route";
  private Clock clock = Clock.systemUTC();
  private final Map<AttributeKey<?>, Object> attributes = new HashMap<>();
  private final Map<String, String> upstreamHeaders = new LinkedHashMap<>();
  private final Map<String, String> responseHeaders = new LinkedHashMap<>();
  private dev.portcullis.plugin.limits.TokenBuckets buckets;
  private final List<PluginEvent> auditEvents = new ArrayList<>();

  public static FakeRequest get(String path) {
    return new FakeRequest().method("GET").path(path);
  }

  public static FakeRequest request(String method, String path) {
    return new FakeRequest().method(method).path(path);
  }

  public FakeRequest method(String method) {
    this.method = method.toUpperCase(Locale.ROOT);
    return this;
  }

  /** The path as the core would pass it: already normalised. */
  public FakeRequest path(String path) {
    this.path = path;
    return this;
  }

  public FakeRequest query(String query) {
    this.query = query;
    return this;
  }

  public FakeRequest host(String host) {
    this.host = host.toLowerCase(Locale.ROOT);
    return this;
  }

  public FakeRequest header(String name, String value) {
    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
    return this;
  }

  /** The client address as the core resolved it (trusted proxies already applied). */
  public FakeRequest from(String clientAddress) {
    this.clientAddress = clientAddress;
    return this;
  }

  public FakeRequest identity(Identity identity) {
    this.identity = identity;
    return this;
  }

  public FakeRequest route(String routeId) {
    this.routeId = routeId;
    return this;
  }

  public FakeRequest clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** Headers the policy set for the upstream. */
  /**
   * Shares token buckets between requests (as the gateway's cluster does): give several requests
   * the same {@link dev.portcullis.gateway.limits.LocalTokenBuckets}. By default each request has
   * buckets of its own, on its clock.
   */
  public FakeRequest buckets(dev.portcullis.plugin.limits.TokenBuckets buckets) {
    this.buckets = buckets;
    return this;
  }

  /** Headers the policy set on the client's response. */
  public Map<String, String> responseHeaders() {
    return Map.copyOf(responseHeaders);
  }

  public Map<String, String> upstreamHeaders() {
    return Map.copyOf(upstreamHeaders);
  }

  @Override
  public RequestView request() {
    return this;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String query() {
    return query;
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public String header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  @Override
  public List<String> headers(String name) {
    return List.copyOf(headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of()));
  }

  @Override
  public String clientAddress() {
    return clientAddress;
  }

  @Override
  public Optional<Identity> identity() {
    return Optional.ofNullable(identity);
  }

  @Override
  public String routeId() {
    return routeId;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public <T> T attribute(AttributeKey<T> key) {
    return key.cast(attributes.get(key));
  }

  @Override
  public <T> void attribute(AttributeKey<T> key, T value) {
    if (key == dev.portcullis.plugin.CoreAttributes.PERMISSIONS_USED) {
      // as in the gateway: permissions used accumulate over the chain
      String merged = dev.portcullis.gateway.policy.PermissionsUsed.merge(
          (String) attributes.get(dev.portcullis.plugin.CoreAttributes.PERMISSIONS_USED), (String) value);
      if (merged != null) {
        attributes.put(key, merged);
      }
      return;
    }
    attributes.put(key, value);
  }

  @Override
  public void addResponseHeader(String name, String value) {
    dev.portcullis.gateway.policy.ResponseHeaders.check(name, value);
    responseHeaders.put(name, value);
  }

  @Override
  public dev.portcullis.plugin.limits.TokenBuckets buckets() {
    if (buckets == null) {
      buckets = new dev.portcullis.gateway.limits.LocalTokenBuckets(clock);
    }
    return buckets;
  }

  @Override
  public void addUpstreamHeader(String name, String value) {
    upstreamHeaders.put(name, value);
  }

  @Override
  public <T> Future<T> executeBlocking(Callable<T> work) {
    try {
      return Future.succeededFuture(work.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }

  /** Checks the event against the same limits as the gateway, and keeps it for {@link #auditEvents()}. */
  @Override
  public void audit(String name, Map<String, String> details) {
    auditEvents.add(new PluginEvent(name, details));
  }

  /** The events the policy journaled for this request, in order. */
  public List<PluginEvent> auditEvents() {
    return List.copyOf(auditEvents);
  }
}
