package dev.portcullis.samples;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The records backend in its verifying mode, against a JWKS it fetches from a real HTTP server:
 * only a valid assertion of the gateway opens it, and only for its tenant's records.
 */
class RecordsAssertionTest {

  static Vertx vertx;
  static ECKey gatewayKey;
  static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    gatewayKey = new ECKeyGenerator(Curve.P_256).keyID("gw-1").generate();
    HttpServer jwks = vertx.createHttpServer().requestHandler(req -> req.response()
        .end(new JWKSet(gatewayKey.toPublicJWK()).toString()));
    jwks.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // RecordsServer's JWKS client speaks https only when the URL says so; plain http on loopback here.
    RecordsServer records = new RecordsServer();
    vertx.deployVerticle(records, new DeploymentOptions().setConfig(new JsonObject().put("port", 0)
        .put("assertionJwks", "http://127.0.0.1:" + jwks.actualPort() + "/jwks")
        .put("assertionIssuer", "portcullis").put("assertionAudience", "records")))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    port = records.actualPort();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static String assertion(ECKey key, Consumer<JWTClaimsSet.Builder> change) throws Exception {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer("portcullis").audience("records")
        .subject("u-1").claim("tenant", "acme").issueTime(new Date())
        .expirationTime(Date.from(Instant.now().plusSeconds(300)));
    change.accept(claims);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(),
        claims.build());
    jwt.sign(new ECDSASigner(key));
    return jwt.serialize();
  }

  private static HttpResponse<String> get(String path, String assertion) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (assertion != null) {
      request.header("X-Portcullis-Assertion", assertion);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aValidAssertionShowsItsTenantsRecordsOnly() throws Exception {
    HttpResponse<String> response = get("/records", assertion(gatewayKey, c -> { }));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getJsonArray("records").stream()
        .map(r -> ((JsonObject) r).getString("tenant")).distinct().toList()).containsExactly("acme");
    assertThat(get("/records/r-2001", assertion(gatewayKey, c -> { })).statusCode()).isEqualTo(404);
  }

  @Test
  void everythingElseIsRefused() throws Exception {
    ECKey forger = new ECKeyGenerator(Curve.P_256).keyID("gw-1").generate();
    assertThat(error(get("/records", null), 401)).isEqualTo("no identity assertion");
    assertThat(error(get("/records", "not-a-jwt"), 401)).isEqualTo("the identity assertion is not a signed JWT");
    assertThat(error(get("/records", assertion(forger, c -> { })), 401))
        .isEqualTo("the identity assertion's signature does not verify");
    assertThat(error(get("/records", assertion(gatewayKey, c -> c.audience("crm"))), 401))
        .isEqualTo("the identity assertion is for someone else");
    assertThat(error(get("/records", assertion(gatewayKey, c -> c.issuer("someone"))), 401))
        .isEqualTo("the identity assertion is for someone else");
    assertThat(error(get("/records", assertion(gatewayKey, c -> c.expirationTime(
        Date.from(Instant.now().minusSeconds(1))))), 401)).isEqualTo("the identity assertion expired");
    assertThat(error(get("/records", assertion(gatewayKey, c -> c.claim("tenant", null))), 403))
        .isEqualTo("the identity assertion names no tenant");
    assertThat(error(get("/records", assertion(gatewayKey, c -> c.claim("tenant", 42))), 403))
        .isEqualTo("the identity assertion names no tenant");
  }

  private static String error(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).isEqualTo(status);
    return new JsonObject(response.body()).getString("error");
  }
}
