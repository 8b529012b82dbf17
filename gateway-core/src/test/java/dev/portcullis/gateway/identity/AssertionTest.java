package dev.portcullis.gateway.identity;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.gateway.identity.token.ApiTokens;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The signed identity assertion upstreams receive, the JWKS that verifies it, and API tokens. */
class AssertionTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: records
            match: { pathPrefix: /records }
            upstream: { targets: [ "%1$s" ] }
            assertion: { header: X-Portcullis-Assertion }
          - id: crm
            match: { pathPrefix: /crm }
            upstream: { targets: [ "%1$s" ] }
            assertion: { header: X-Identity, audience: crm, pseudonymous: true }
          - id: analytics
            match: { pathPrefix: /analytics }
            upstream: { targets: [ "%1$s" ] }
            assertion: { header: X-Identity, audience: analytics, pseudonymous: true }
          - id: open
            match: { pathPrefix: /open }
            upstream: { targets: [ "%1$s" ] }
            public: true
        """.formatted(echo));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static String header(HttpResponse<String> echoed, String name) {
    JsonArray values = new JsonObject(echoed.body()).getJsonObject("headers").getJsonArray(name);
    assertThat(values).as(name).isNotNull().hasSize(1);
    return values.getString(0);
  }

  private static JWTClaimsSet verify(String jwt) throws Exception {
    JWKSet jwks = JWKSet.parse(new Browserless(gateway.url("")).get("/.well-known/jwks.json").body());
    SignedJWT signed = SignedJWT.parse(jwt);
    ECKey key = (ECKey) jwks.getKeyByKeyId(signed.getHeader().getKeyID());
    assertThat(key).isNotNull();
    assertThat(key.isPrivate()).isFalse();
    assertThat(signed.verify(new ECDSAVerifier(key))).isTrue();
    return signed.getJWTClaimsSet();
  }

  @Test
  void aSignedInRequestCarriesAVerifiableShortLivedAssertion() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("demo", "portcullis-demo", "/records");
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    HttpResponse<String> echoed = browser.get("/records/x", "X-Portcullis-Assertion", "forged-by-client");
    assertThat(echoed.statusCode()).isEqualTo(200);
    String jwt = header(echoed, "x-portcullis-assertion");
    assertThat(jwt).isNotEqualTo("forged-by-client");
    JWTClaimsSet claims = verify(jwt);
    String demoId = TestGateway.await(gateway.gateway().identity().iam().blocking(() ->
        gateway.gateway().identity().iam().store().userByUsername("demo").orElseThrow().id()));
    assertThat(claims.getSubject()).isEqualTo(demoId);
    assertThat(claims.getIssuer()).isEqualTo("portcullis");
    assertThat(claims.getAudience()).containsExactly("records");
    assertThat(claims.getStringClaim("tenant")).isEqualTo("acme");
    assertThat(claims.getStringListClaim("roles")).containsExactly("records-reader");
    assertThat(claims.getStringListClaim("permissions")).containsExactly("records:read");
    assertThat(claims.getStringListClaim("amr")).containsExactly("pwd");
    assertThat(claims.getLongClaim("auth_time")).isGreaterThanOrEqualTo(before.getEpochSecond() - 60);
    assertThat(claims.getExpirationTime().toInstant()).isBetween(before.plusSeconds(200), before.plusSeconds(301));
    // reused, not re-signed per request
    assertThat(header(browser.get("/records/y"), "x-portcullis-assertion")).isEqualTo(jwt);
  }

  @Test
  void anAnonymousRequestCannotSmuggleAnAssertionUpstream() {
    Browserless anonymous = new Browserless(gateway.url(""));
    // X-Identity is only the crm route's header, yet a public route to the same upstream drops it too
    HttpResponse<String> echoed = anonymous.get("/open/x", "X-Portcullis-Assertion", "forged", "X-Identity",
        "forged");
    assertThat(echoed.statusCode()).isEqualTo(200);
    JsonObject headers = new JsonObject(echoed.body()).getJsonObject("headers");
    assertThat(headers.containsKey("x-portcullis-assertion")).isFalse();
    assertThat(headers.containsKey("x-identity")).isFalse();
  }

  @Test
  void pseudonymsAreStablePerUpstreamAndDifferAcrossUpstreams() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("demo", "portcullis-demo", "/crm");
    String crm = verify(header(browser.get("/crm/a", "X-Identity", "forged"), "x-identity")).getSubject();
    String analytics = verify(header(browser.get("/analytics/a"), "x-identity")).getSubject();
    Browserless again = new Browserless(gateway.url(""));
    again.login("demo", "portcullis-demo", "/crm");
    String crmAgain = verify(header(again.get("/crm/b"), "x-identity")).getSubject();
    assertThat(crm).isEqualTo(crmAgain).isNotEqualTo(analytics).hasSize(43);
    String demoId = TestGateway.await(gateway.gateway().identity().iam().blocking(() ->
        gateway.gateway().identity().iam().store().userByUsername("demo").orElseThrow().id()));
    assertThat(crm).isNotEqualTo(demoId);
  }

  @Test
  void anApiTokenActsForItsOwnerWithinItsScopesAndNeverReachesTheUpstream() throws Exception {
    IdentityServices identity = gateway.gateway().identity();
    String demoId = TestGateway.await(identity.iam().blocking(() ->
        identity.iam().store().userByUsername("demo").orElseThrow().id()));
    ApiTokens.Created narrow = TestGateway.await(identity.iam().blocking(() ->
        identity.apiTokens().create(demoId, "ci", Set.of("records:export"), null)));
    assertThat(narrow.plaintext()).startsWith("pcl_").hasSize(47);
    assertThat(narrow.token().tokenHash()).isEqualTo(Secrets.sha256(narrow.plaintext()));

    Browserless client = new Browserless(gateway.url(""));
    HttpResponse<String> echoed = client.get("/records/x", "Authorization", "Bearer " + narrow.plaintext());
    assertThat(echoed.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(echoed.body()).getJsonObject("headers").containsKey("authorization")).isFalse();
    JWTClaimsSet claims = verify(header(echoed, "x-portcullis-assertion"));
    assertThat(claims.getSubject()).isEqualTo(demoId);
    assertThat(claims.getStringListClaim("amr")).containsExactly("api-token");
    assertThat(claims.getStringListClaim("permissions")).isEmpty(); // demo holds records:read, the token only export
    assertThat(claims.getStringListClaim("roles")).isEmpty(); // nor the role that would promise records:read
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
        TestGateway.await(identity.iam().blocking(() -> identity.iam().store().tokenByHash(
            narrow.token().tokenHash()).orElseThrow().lastUsedAt())) != null);

    identity.iam().blocking(() -> {
      identity.apiTokens().revoke(narrow.token());
      return null;
    });
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
        client.get("/records/x", "Authorization", "Bearer " + narrow.plaintext()).statusCode() == 401);
    HttpResponse<String> revoked = client.get("/records/x", "Authorization", "Bearer " + narrow.plaintext());
    assertThat(revoked.headers().firstValue("www-authenticate").orElseThrow()).contains("error=\"invalid_token\"");
    assertThat(new JsonObject(revoked.body()).getString("detail")).contains("revoked");
  }

  @Test
  void badApiTokensAre401AndNeverAnonymous() throws Exception {
    IdentityServices identity = gateway.gateway().identity();
    String demoId = TestGateway.await(identity.iam().blocking(() ->
        identity.iam().store().userByUsername("demo").orElseThrow().id()));
    ApiTokens.Created expired = TestGateway.await(identity.iam().blocking(() ->
        identity.apiTokens().create(demoId, "old", Set.of("records:read"), Instant.now().minusSeconds(1))));
    Browserless client = new Browserless(gateway.url(""));
    assertThat(detail(client.get("/open/x", "Authorization", "Bearer " + expired.plaintext()))).contains("expired");
    assertThat(detail(client.get("/open/x", "Authorization", "Bearer pcl_short"))).contains("not a well-formed");
    assertThat(detail(client.get("/open/x", "Authorization", "Bearer pcl_" + "A".repeat(43))))
        .contains("unknown API token");
    assertThat(gateway.gateway().metrics().scrape())
        .containsPattern("portcullis_authentications_total\\{method=\"api-token\",result=\"refused\"} [3-9]");
  }

  private static String detail(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(401);
    return new JsonObject(response.body()).getString("detail");
  }
}
