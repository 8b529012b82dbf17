package dev.portcullis.gateway.pipeline;

import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 (formerly 7807) problem the gateway answers with itself. {@code key} is stable and
 * documented (clients and dashboards may match on it); {@code detail} is for people and never
 * contains a stack trace or anything secret.
 */
public record Problem(int status, String key, String title, String detail) {

  public static final String CONTENT_TYPE = "application/problem+json";

  public static Problem badRequest(String key, String detail) {
    return new Problem(400, key, "Bad request", detail);
  }

  public static Problem notFound() {
    return new Problem(404, "ROUTE_NOT_FOUND", "Not found", "no route matches this request");
  }

  public static Problem bodyTooLarge(long limit) {
    return new Problem(413, "BODY_TOO_LARGE", "Payload too large",
        "the request body exceeds this route's limit of " + limit + " bytes");
  }

  public static Problem badGateway(String key, String detail) {
    return new Problem(502, key, "Bad gateway", detail);
  }

  public static Problem gatewayTimeout(String key, String detail) {
    return new Problem(504, key, "Gateway timeout", detail);
  }

  public static Problem unavailable(String key, String detail) {
    return new Problem(503, key, "Service unavailable", detail);
  }

  public JsonObject toJson(String requestId) {
    JsonObject json = new JsonObject()
        .put("type", "https://portcullis.dev/problems/" + key.toLowerCase().replace('_', '-'))
        .put("title", title)
        .put("status", status)
        .put("key", key)
        .put("detail", detail);
    if (requestId != null) {
      json.put("requestId", requestId);
    }
    return json;
  }
}
