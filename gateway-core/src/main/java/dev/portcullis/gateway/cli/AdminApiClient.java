package dev.portcullis.gateway.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The admin API of one gateway over HTTPS ({@code java.net.http}). Answers outside 2xx become a
 * {@link CliFailure}: a problem document is a refusal ({@link Cli#REFUSED}, with its key and detail);
 * anything else, and every transport failure, is {@link Cli#FAILED} with a message naming the URL and
 * the cause. The token is sent in the Authorization header only and appears in no message.
 */
final class AdminApiClient {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"
      + "-[0-9a-fA-F]{12}");

  /** A 2xx answer. */
  record Reply(int status, String body) {
    /** The body as a JSON object (an empty object for 204). */
    JsonObject json() {
      return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
    }
  }

  private final URI base;
  private final String token;
  private final HttpClient http;

  /** @param tls the context to trust the listener with, or null for the JDK's default trust store */
  AdminApiClient(URI base, String token, SSLContext tls) {
    this.base = base;
    this.token = token;
    HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
  }

  URI base() {
    return base;
  }

  /** @param alsoAccepted statuses outside 2xx that carry an answer, not a refusal (e.g. 409 for a journal report) */
  Reply get(String path, int... alsoAccepted) {
    return send("GET", path, null, alsoAccepted);
  }

  Reply post(String path, JsonObject body) {
    return send("POST", path, body);
  }

  Reply delete(String path) {
    return send("DELETE", path, null);
  }

  /** {@code path} starts with {@code /admin/v1}; a refusal throws a {@link CliFailure} holding the problem. */
  Reply send(String method, String path, JsonObject body, int... alsoAccepted) {
    URI uri = URI.create(base + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
        .header("Authorization", "Bearer " + token).header("Accept", "application/json, application/problem+json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.encode(), StandardCharsets.UTF_8));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CliFailure.failed(describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.failed("interrupted while calling " + base);
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300 || Arrays.stream(alsoAccepted).anyMatch(a -> a == status)) {
      return new Reply(status, response.body());
    }
    throw refusal(method, uri, response);
  }

  /**
   * The id of the user {@code usernameOrId} names: an exact (case-insensitive) username among the users
   * the token may see, else a user id.
   */
  String userId(String usernameOrId) {
    // usernames are unique and listed in order, so an exact match is the first of its prefix
    JsonObject page = get("/admin/v1/users?limit=1&q=" + URLEncoder.encode(usernameOrId, StandardCharsets.UTF_8))
        .json();
    for (Object item : page.getJsonArray("items")) {
      JsonObject user = (JsonObject) item;
      if (user.getString("username").equalsIgnoreCase(usernameOrId)) {
        return user.getString("id");
      }
    }
    if (UUID.matcher(usernameOrId).matches()) {
      Reply user = get("/admin/v1/users/" + usernameOrId, 404);
      if (user.status() != 404) {
        return user.json().getString("id");
      }
      throw CliFailure.refused("no user has the username or id '" + usernameOrId + "' (among the users this token "
          + "may see)");
    }
    throw CliFailure.refused("no user is named '" + usernameOrId + "' (among the users this token may see)");
  }

  private CliFailure refusal(String method, URI uri, HttpResponse<String> response) {
    String type = response.headers().firstValue("Content-Type").orElse("");
    JsonObject problem = null;
    if (type.startsWith("application/problem+json")) {
      try {
        problem = new JsonObject(response.body());
      } catch (DecodeException e) {
        problem = null;
      }
    }
    if (problem == null || problem.getString("key") == null) {
      return CliFailure.failed(method + " " + uri + " answered " + response.statusCode() + " without a problem "
          + "document: is " + base + " the admin listener of a Portcullis gateway?");
    }
    if ("ROUTE_NOT_FOUND".equals(problem.getString("key"))) {
      // the admin API answers unknown paths with NOT_FOUND: this is the proxy side of the gateway
      return CliFailure.failed(method + " " + uri + " answered " + response.statusCode() + " ROUTE_NOT_FOUND: " + base
          + " is the gateway's public listener, not its admin listener");
    }
    return new CliFailure(Cli.REFUSED, "the gateway answered " + response.statusCode() + " " + problem.getString("key")
        + ": " + problem.getString("detail", problem.getString("title", "")), response.body());
  }

  private String describe(IOException e) {
    Throwable trust = cause(e, CertPathBuilderException.class, CertPathValidatorException.class);
    if (trust != null) {
      return "the certificate of " + base + " is not trusted (" + deepest(e) + "); pass --cacert PEM with the admin "
          + "listener's certificate (a generated one is <dataDir>/tls/self-signed-cert.pem), or --insecure to skip "
          + "the check";
    }
    Throwable name = cause(e, CertificateException.class);
    if (name != null) {
      return "the certificate of " + base + " was refused: " + name.getMessage()
          + (name.getMessage() != null && name.getMessage().contains("match") ? " (connect by a name or address the "
          + "certificate lists)" : "");
    }
    if (cause(e, SSLException.class) != null) {
      return "TLS with " + base + " failed: " + deepest(e) + " (is it the HTTPS admin listener?)";
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "cannot reach the admin API at " + base + ": no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
    }
    if (e instanceof HttpTimeoutException) {
      return base + " did not answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
    }
    if (cause(e, UnresolvedAddressException.class) != null || cause(e, java.net.UnknownHostException.class) != null) {
      return "cannot reach the admin API at " + base + ": unknown host " + base.getHost();
    }
    if (cause(e, ConnectException.class) != null) {
      return "cannot reach the admin API at " + base + ": connection refused (is the gateway running, and is "
          + base.getPort() + " its admin port?)";
    }
    return "cannot reach the admin API at " + base + ": " + deepest(e);
  }

  @SafeVarargs
  private static Throwable cause(Throwable e, Class<? extends Throwable>... types) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      for (Class<? extends Throwable> type : types) {
        if (type.isInstance(t)) {
          return t;
        }
      }
    }
    return null;
  }

  private static String deepest(Throwable e) {
    Throwable last = e;
    while (last.getCause() != null && last.getCause() != last) {
      last = last.getCause();
    }
    return last.getMessage() != null ? last.getMessage() : last.getClass().getSimpleName();
  }
}
