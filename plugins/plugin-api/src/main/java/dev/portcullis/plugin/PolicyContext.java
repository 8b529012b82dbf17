package dev.portcullis.plugin;

import io.vertx.core.Future;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Everything a policy may see and do for one request. One instance per request per chain, used on
 * the request's event loop only: do not keep it after the returned future completes, and do not
 * call it from another thread (use {@link #executeBlocking} and continue in its future).
 */
public interface PolicyContext {

  /** The request, canonicalised by the core. */
  RequestView request();

  /**
   * The client's address (IPv4 dotted or IPv6 text; IPv4-mapped IPv6 shown as IPv4): the socket
   * peer, or — when the peer is a configured trusted proxy — the right-most untrusted hop of
   * {@code X-Forwarded-For}. Never read {@code X-Forwarded-For} yourself.
   */
  String clientAddress();

  /** Who is asking, or empty for an anonymous request. */
  Optional<Identity> identity();

  /** The id of the route whose chain is running. */
  String routeId();

  /** The clock to decide with (tests substitute a fixed one); never call {@code Instant.now()}. */
  Clock clock();

  /** A value an earlier policy of this chain set for this request, or null. */
  <T> T attribute(AttributeKey<T> key);

  /** Sets a value for later policies of this chain (and the core) for this request. */
  <T> void attribute(AttributeKey<T> key, T value);

  /**
   * Sets a header on the request forwarded upstream (replacing any value the client sent). Only
   * takes effect if the request is allowed.
   */
  void addUpstreamHeader(String name, String value);

  /**
   * Runs blocking work (JDBC, file I/O, a slow computation) on a worker thread; the future
   * completes back on the request's event loop. Everything else in a policy must not block.
   */
  <T> Future<T> executeBlocking(Callable<T> work);

  /**
   * Writes an event of this policy into the audit journal, beside the request's access decision:
   * for instance an approval used, a quota exhausted, a permission that expired. The event's type
   * becomes {@code plugin.<policy-id>.<name>}; it carries the request id, route and pseudonymous
   * subject of this request. {@code name} is kebab-case (at most 64 characters); {@code details}
   * has at most 16 entries, keys in camelCase (at most 64 characters), values at most 256
   * characters. Never put a secret or personal data (passwords, tokens, codes, e-mail addresses,
   * request bodies) into details: the journal is kept for years and shipped to other systems.
   *
   * @throws IllegalArgumentException when the name or details break the limits above
   */
  void audit(String name, Map<String, String> details);

  /**
   * Sets a header on the response to the client, whatever the decision (e.g. {@code RateLimit-Remaining}
   * on an allowed request, {@code Retry-After} on a refusal). Only {@code RateLimit}/{@code RateLimit-*},
   * {@code Retry-After} and application {@code X-…} headers are accepted (not {@code X-Forwarded-*},
   * {@code X-Request-Id}, {@code X-Portcullis-*} or the browser security ones): caching, CORS,
   * redirects, cookies and framing stay the upstream's and the core's.
   *
   * @throws IllegalArgumentException for such a header or an invalid name or value
   */
  void addResponseHeader(String name, String value);

  /** Token buckets shared by every instance of the gateway (see {@link dev.portcullis.plugin.limits.TokenBuckets}). */
  dev.portcullis.plugin.limits.TokenBuckets buckets();
}
