package dev.portcullis.gateway.policy;

import dev.portcullis.plugin.AttributeKey;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.PolicyContext;
import dev.portcullis.plugin.RequestView;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The context of a request that is only imagined (the admin API's dry run): no headers, no body,
 * nothing forwarded. Headers a policy would add and events it would journal are collected for the
 * answer instead; rate limits count in buckets of this dry run alone, so it never spends a real
 * client's allowance.
 */
public final class DryRunPolicyContext implements PolicyContext, RequestView {

  /** An event a policy would have journaled. */
  public record Event(String name, Map<String, String> details) {
  }

  private final String method;
  private final String path;
  private final String host;
  private final String clientAddress;
  private final Identity identity;
  private final String routeId;
  private final Clock clock;
  private final Vertx vertx;
  private final dev.portcullis.plugin.limits.TokenBuckets buckets;
  private final Map<AttributeKey<?>, Object> attributes = new HashMap<>();
  private final List<Event> events = new ArrayList<>();

  public DryRunPolicyContext(String method, String path, String host, String clientAddress, Identity identity,
      String routeId, Clock clock, Vertx vertx) {
    this.method = method;
    this.path = path;
    this.host = host;
    this.clientAddress = clientAddress;
    this.identity = identity;
    this.routeId = routeId;
    this.clock = clock;
    this.vertx = vertx;
    this.buckets = new dev.portcullis.gateway.limits.LocalTokenBuckets(clock);
  }

  public List<Event> events() {
    return List.copyOf(events);
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
    return null;
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public String header(String name) {
    return null;
  }

  @Override
  public List<String> headers(String name) {
    return List.of();
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
    attributes.put(key, value);
  }

  @Override
  public void addUpstreamHeader(String name, String value) {
    // nothing is forwarded
  }

  @Override
  public <T> Future<T> executeBlocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  @Override
  public void audit(String name, Map<String, String> details) {
    events.add(new Event(name, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details))));
  }

  @Override
  public void addResponseHeader(String name, String value) {
    ResponseHeaders.check(name, value);
  }

  @Override
  public dev.portcullis.plugin.limits.TokenBuckets buckets() {
    return buckets;
  }
}
