package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.pipeline.Exchange;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1) and every header named in
 * {@code Connection} stay behind in both directions. Towards the upstream, {@code Forwarded} and
 * {@code X-Forwarded-*} are rebuilt: the chain a trusted proxy sent is extended, a chain from anyone
 * else is replaced, so an upstream never sees a client-forged hop.
 */
public final class ForwardHeaders {

  private static final Set<String> HOP_BY_HOP = Set.of(
      "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
      "te", "trailer", "transfer-encoding", "upgrade", "host", "expect", "http2-settings");

  /**
   * Set by the gateway, or dropped: headers that upstreams commonly believe about the client's
   * address, the scheme or the original path, and that a client must never be able to choose.
   */
  private static final Set<String> REBUILT = Set.of(
      "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
      "x-forwarded-prefix", "x-forwarded-server", "x-forwarded-ssl", "x-forwarded-scheme", "x-forwarded-uri",
      "x-real-ip", "true-client-ip", "x-client-ip", "x-cluster-client-ip", "cf-connecting-ip", "fastly-client-ip",
      "x-original-url", "x-rewrite-url", "x-original-uri", "x-original-forwarded-for",
      "x-request-id", "traceparent", "tracestate", "x-portcullis-assertion");

  private ForwardHeaders() {
  }

  /** The facts about the request that the rebuilt headers carry. */
  public record Origin(String peer, boolean peerTrusted, String client, String host, String requestId,
      String traceparent) {
  }

  /** Request headers for the upstream of an exchange, including those its policies added. */
  public static MultiMap forExchange(Exchange exchange) {
    return writeTo(exchange, HttpHeaders.headers());
  }

  /**
   * Writes the upstream request headers of an exchange into {@code out} (e.g. the client request's
   * own headers, which saves copying a separate map on every request).
   */
  public static MultiMap writeTo(Exchange exchange, MultiMap out) {
    HttpServerRequest request = exchange.request();
    toUpstream(request.headers(), new Origin(request.remoteAddress().hostAddress(), exchange.peerTrusted(),
        exchange.clientAddress(), request.authority().toString(), exchange.requestId(), exchange.traceparent()), out);
    // Only the gateway may set an assertion header (below, when there is an identity) — also the
    // header names other routes use, so that a forged one cannot reach a shared upstream.
    for (String header : exchange.route().assertionHeaders()) {
      out.remove(header);
    }
    if (exchange.authenticated() != null && !"session".equals(exchange.authenticated().method())) {
      out.remove("Authorization"); // the credential was for the gateway; upstreams get the assertion
    }
    if (exchange.upstreamHeaders() != null) {
      out.setAll(exchange.upstreamHeaders());
    }
    return out;
  }

  /** The request target for the upstream: the rewritten canonical path and the untouched query. */
  public static String upstreamUri(Exchange exchange) {
    String path = exchange.route().upstreamPath(exchange.path());
    String query = exchange.request().query();
    return query == null ? path : path + "?" + query;
  }

  /** Request headers for the upstream, written into {@code out}. */
  public static MultiMap toUpstream(MultiMap in, Origin origin, MultiMap out) {
    Set<String> connectionTokens = connectionTokens(in);
    for (var entry : in) {
      String name = entry.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("cookie")) {
        String kept = withoutGatewayCookies(entry.getValue());
        if (!kept.isEmpty()) {
          out.add(entry.getKey(), kept);
        }
      } else if (!HOP_BY_HOP.contains(name) && !REBUILT.contains(name) && !connectionTokens.contains(name)) {
        out.add(entry.getKey(), entry.getValue());
      }
    }
    String node = origin.peer().indexOf(':') >= 0 ? "\"[" + origin.peer() + "]\"" : origin.peer();
    String forwarded = "for=" + node + ";proto=https;host=\"" + origin.host().replace("\"", "") + "\"";
    String xff = origin.peer();
    if (origin.peerTrusted()) {
      String previousForwarded = String.join(", ", in.getAll("Forwarded"));
      if (!previousForwarded.isEmpty()) {
        forwarded = previousForwarded + ", " + forwarded;
      }
      String previousXff = String.join(", ", in.getAll("X-Forwarded-For"));
      if (!previousXff.isEmpty()) {
        xff = previousXff + ", " + xff;
      }
    }
    out.set("Forwarded", forwarded);
    out.set("X-Forwarded-For", xff);
    out.set("X-Forwarded-Proto", "https");
    out.set("X-Forwarded-Host", origin.host());
    out.set("X-Real-IP", origin.client());
    out.set("X-Request-Id", origin.requestId());
    out.set("traceparent", origin.traceparent());
    String tracestate = in.get("tracestate");
    if (tracestate != null && origin.traceparent().substring(3, 35).equals(traceId(in.get("traceparent")))) {
      out.set("tracestate", tracestate);
    }
    return out;
  }

  static String withoutGatewayCookies(String header) {
    if (!header.contains(GatewayCookies.PREFIX)) {
      return header;
    }
    StringBuilder kept = new StringBuilder(header.length());
    for (String part : header.split(";")) {
      String cookie = part.trim();
      if (!cookie.isEmpty() && !cookie.startsWith(GatewayCookies.PREFIX)) {
        kept.append(kept.length() == 0 ? "" : "; ").append(cookie);
      }
    }
    return kept.toString();
  }

  /**
   * Copies an upstream response's headers to the client response, leaving hop-by-hop ones behind,
   * and any cookie of the gateway's own an upstream tries to set (it could fix or clear a session).
   */
  public static void toClient(MultiMap upstream, MultiMap client) {
    Set<String> connectionTokens = connectionTokens(upstream);
    for (var entry : upstream) {
      String name = entry.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("set-cookie") && entry.getValue().trim().startsWith(GatewayCookies.PREFIX)) {
        continue;
      }
      if (!HOP_BY_HOP.contains(name) && !connectionTokens.contains(name)) {
        client.add(entry.getKey(), entry.getValue());
      }
    }
  }

  private static String traceId(String traceparent) {
    return traceparent != null && traceparent.length() >= 35 ? traceparent.substring(3, 35) : "";
  }

  private static Set<String> connectionTokens(MultiMap headers) {
    var values = headers.getAll(HttpHeaders.CONNECTION);
    if (values.isEmpty()) {
      return Set.of();
    }
    Set<String> tokens = new HashSet<>();
    for (String value : values) {
      for (String token : value.split(",")) {
        tokens.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    return tokens;
  }
}
