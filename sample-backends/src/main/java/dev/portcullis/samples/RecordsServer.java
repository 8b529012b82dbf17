package dev.portcullis.samples;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A small application holding (fake) personal data, the kind of service Portcullis protects.
 * {@code GET /records} lists the records, {@code GET /records/{id}} returns one, anything else is 404.
 * Every response says which gateway request it served ({@code X-Request-Id}), so that access can
 * be traced end to end.
 *
 * <p>With {@code assertionJwks} configured (as behind the demo gateway) it trusts nobody but the
 * gateway: every request must carry a valid signed identity assertion ({@code X-Portcullis-Assertion}),
 * or it is refused with 401; and it shows only the records of the assertion's tenant.
 *
 * <p>Runs alone ({@code java -jar portcullis-sample-backends-*-records.jar [port]}) or as a verticle.
 */
public class RecordsServer extends VerticleBase {

  public static final int DEFAULT_PORT = 9002;

  private static final List<JsonObject> RECORDS = List.of(
      record("r-1001", "acme", "Ada Lovelace", "ada@example.invalid", "1815-12-10"),
      record("r-1002", "acme", "Alan Turing", "alan@example.invalid", "1912-06-23"),
      record("r-2001", "globex", "Grace Hopper", "grace@example.invalid", "1906-12-09"),
      record("r-2002", "globex", "Edsger Dijkstra", "edsger@example.invalid", "1930-05-11"));

  private HttpServer server;
  private AssertionVerifier verifier;

  @Override
  public Future<?> start() {
    int port = config().getInteger("port", DEFAULT_PORT);
    String host = config().getString("host", "127.0.0.1");
    String jwks = config().getString("assertionJwks");
    if (jwks != null && !jwks.isBlank()) {
      verifier = new AssertionVerifier(vertx, jwks, config().getString("gatewayCa",
          config().getString("gatewayCertificate")),
          config().getString("assertionIssuer", "portcullis"), config().getString("assertionAudience", "records"));
    }
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(port, host);
  }

  public int actualPort() {
    return server.actualPort();
  }

  private void handle(HttpServerRequest request) {
    if (verifier == null) {
      serve(request, null);
      return;
    }
    request.pause();
    verifier.verify(request.getHeader("X-Portcullis-Assertion")).onComplete(ar -> {
      request.resume();
      if (ar.failed()) {
        request.response().setStatusCode(401).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", ar.cause().getMessage()).encode());
      } else if (!(ar.result().getClaim("tenant") instanceof String tenant) || tenant.isBlank()) {
        // Data is separated per customer: an identity without a tenant sees nothing, not everything.
        request.response().setStatusCode(403).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", "the identity assertion names no tenant").encode());
      } else {
        serve(request, tenant);
      }
    });
  }

  /** Serves the records; {@code tenant} non-null shows only that tenant's. */
  private void serve(HttpServerRequest request, String tenant) {
    List<JsonObject> visible = tenant == null ? RECORDS
        : RECORDS.stream().filter(r -> r.getString("tenant").equals(tenant)).toList();
    String path = request.path();
    var response = request.response().putHeader("content-type", "application/json");
    String requestId = request.getHeader("x-request-id");
    if (requestId != null) {
      response.putHeader("x-request-id", requestId);
    }
    if (path.equals("/records") || path.equals("/records/")) {
      response.end(new JsonObject().put("records", new JsonArray(visible)).encode());
      return;
    }
    if (path.startsWith("/records/")) {
      String id = path.substring("/records/".length());
      visible.stream().filter(r -> r.getString("id").equals(id)).findFirst().ifPresentOrElse(
          r -> response.end(r.encode()),
          () -> response.setStatusCode(404).end(new JsonObject().put("error", "no record " + id).encode()));
      return;
    }
    response.setStatusCode(404).end(new JsonObject().put("error", "not found").encode());
  }

  private static JsonObject record(String id, String tenant, String name, String email, String born) {
    return new JsonObject().put("id", id).put("tenant", tenant).put("name", name)
        .put("email", email).put("born", born);
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(new RecordsServer(),
            new DeploymentOptions().setConfig(new JsonObject().put("port", port)))
        .onSuccess(id -> System.out.println("records backend listening on 127.0.0.1:" + port))
        .onFailure(err -> {
          System.err.println("records backend failed to start: " + err.getMessage());
          vertx.close();
          System.exit(1);
        });
  }
}
