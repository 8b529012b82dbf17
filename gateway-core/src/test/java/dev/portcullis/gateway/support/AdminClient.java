package dev.portcullis.gateway.support;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Calls the admin API of a test gateway and checks every response against the OpenAPI document
 * the gateway serves: an undocumented path, status, header or body shape fails the test. Records
 * which operations were called, so a test class can show it reached every one.
 */
public final class AdminClient {

  /** A response, already validated against the contract. */
  public record Response(int status, String body, HttpResponse<String> raw, String operationId) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    public String etag() {
      return raw.headers().firstValue("ETag").orElse(null);
    }

    /** The problem's key (error responses). */
    public String key() {
      return json().getString("key");
    }

    public String detail() {
      return json().getString("detail");
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  private static final Set<String> CALLED = ConcurrentHashMap.newKeySet();
  /** The document each running gateway served (loading and checking it takes a moment). */
  private static final Map<TestGateway, OpenApiDocument> CONTRACTS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private final TestGateway gateway;
  private final OpenApiDocument contract;
  private final HttpClient http = Https.client();
  private final String token;
  private final Map<String, String> headers;

  private AdminClient(TestGateway gateway, OpenApiDocument contract, String token, Map<String, String> headers) {
    this.gateway = gateway;
    this.contract = contract;
    this.token = token;
    this.headers = headers;
  }

  /** A client presenting {@code token} (null: none); loads the contract from the running gateway. */
  public static AdminClient of(TestGateway gateway, String token) {
    OpenApiDocument known = CONTRACTS.get(gateway);
    if (known != null) {
      return new AdminClient(gateway, known, token, Map.of());
    }
    HttpResponse<String> doc = Https.get(Https.client(), gateway.adminUrl("/admin/v1/openapi.json"));
    if (doc.statusCode() != 200) {
      throw new AssertionError("the gateway serves no OpenAPI document: " + doc.statusCode());
    }
    OpenApiDocument contract = OpenApiDocument.load(gateway.gateway().vertx(), new JsonObject(doc.body()));
    CONTRACTS.put(gateway, contract);
    return new AdminClient(gateway, contract, token, Map.of());
  }

  /** The same client presenting another token (null: none). */
  public AdminClient as(String otherToken) {
    return new AdminClient(gateway, contract, otherToken, headers);
  }

  /** The same client sending these extra headers on every request (e.g. a session cookie). */
  public AdminClient withHeaders(Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.putAll(extra);
    return new AdminClient(gateway, contract, token, Map.copyOf(all));
  }

  public OpenApiDocument contract() {
    return contract;
  }

  /** Operation ids called so far by any client in this JVM. */
  public static Set<String> called() {
    return Set.copyOf(CALLED);
  }

  public Response get(String path) {
    return call("GET", path, null, Map.of());
  }

  public Response post(String path, JsonObject body) {
    return call("POST", path, body == null ? null : body.encode(), Map.of());
  }

  public Response put(String path, JsonObject body, String ifMatch) {
    return call("PUT", path, body.encode(), ifMatch == null ? Map.of() : Map.of("If-Match", ifMatch));
  }

  public Response patch(String path, JsonObject body, String ifMatch) {
    return call("PATCH", path, body.encode(), ifMatch == null ? Map.of() : Map.of("If-Match", ifMatch));
  }

  public Response delete(String path) {
    return call("DELETE", path, null, Map.of());
  }

  /** Any request; {@code body} is sent as application/json unless a Content-Type header says otherwise. */
  public Response call(String method, String path, String body, Map<String, String> extraHeaders) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.adminUrl(path)))
        .timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.putAll(extraHeaders);
    if (body != null && !all.containsKey("Content-Type")) {
      all.put("Content-Type", "application/json");
    }
    all.forEach(request::header);
    HttpResponse<String> response = Https.send(http, request.build());
    return new Response(response.statusCode(), response.body(), response, validate(method, path, response));
  }

  private String validate(String method, String path, HttpResponse<String> response) {
    String bare = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    String type = response.headers().firstValue("Content-Type").orElse(null);
    String operationId;
    try {
      operationId = contract.check(method, bare, response.statusCode(), type, name -> response.headers()
          .firstValue(name).orElse(null), response.body());
    } catch (AssertionError e) {
      throw new AssertionError(method + " " + path + " answered " + response.statusCode() + " " + response.body()
          + ", which the OpenAPI document does not allow: " + e.getMessage(), e);
    }
    CALLED.add(operationId);
    return operationId;
  }
}
