package dev.portcullis.gateway.identity;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bearer JWTs from a trusted issuer whose JWKS is served by a real HTTP server; each known attack
 * on JWT validation has its own test, and each must end in 401 with the reason named.
 */
class BearerTokenTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static RSAKey rsa;
  static ECKey ec;
  static RSAKey attacker;
  static final AtomicReference<JWKSet> published = new AtomicReference<>();
  static final AtomicInteger jwksHits = new AtomicInteger();
  static String issuer;
  static String rotatingIssuer;
  static String unreachable;

  @BeforeAll
  static void start() throws Exception {
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    attacker = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    published.set(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())));
    backends = new Backends();
    HttpServer idp = backends.vertx().createHttpServer().requestHandler(req -> {
      jwksHits.incrementAndGet();
      req.response().putHeader("Content-Type", "application/json").end(published.get().toString());
    });
    TestGateway.await(idp.listen(0, "127.0.0.1"));
    issuer = "http://127.0.0.1:" + idp.actualPort() + "/realms/strict";
    rotatingIssuer = "http://127.0.0.1:" + idp.actualPort() + "/realms/rotating";
    unreachable = "http://127.0.0.1:" + Backends.closedPort() + "/realms/down";
    String echo = backends.echo();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(), """
          issuers:
            - id: strict
              issuer: %1$s
              jwksUri: %1$s/jwks
              audiences: [ portcullis ]
              algorithms: [ RS256, ES256 ]
              clockSkew: 30s
              jwksRefreshInterval: 1h
              claims: { tenant: tenant, roles: realm_access.roles }
            - id: rotating
              issuer: %2$s
              jwksUri: %2$s/jwks
              audiences: [ portcullis ]
              algorithms: [ RS256 ]
              jwksRefreshInterval: 100ms
              jwksMaxAge: 200ms
              claims: { defaultTenant: acme, roles: roles }
            - id: unreachable
              issuer: %3$s
              jwksUri: %3$s/jwks
              audiences: [ portcullis ]
              algorithms: [ RS256 ]
        """.formatted(issuer, rotatingIssuer, unreachable), "") + """
        routes:
          - id: api
            match: { pathPrefix: /api }
            upstream: { targets: [ "%s" ] }
            assertion: { header: X-Portcullis-Assertion }
        """.formatted(echo));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static JWTClaimsSet.Builder claims(Consumer<JWTClaimsSet.Builder> change) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(issuer).audience("portcullis").subject("alice")
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)))
        .claim("tenant", "acme").claim("realm_access", Map.of("roles", List.of("records-reader")))
        .claim("amr", List.of("pwd", "otp")).claim("auth_time", now.getEpochSecond() - 10);
    change.accept(b);
    return b;
  }

  private static String sign(JWSSigner signer, JWSHeader header, JWTClaimsSet claims) throws Exception {
    SignedJWT jwt = new SignedJWT(header, claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static String rs256(Consumer<JWTClaimsSet.Builder> change) throws Exception {
    return sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(),
        claims(change).build());
  }

  private static HttpResponse<String> call(String token) {
    return new Browserless(gateway.url("")).get("/api/x", "Authorization", "Bearer " + token);
  }

  private static void refused(String token, String reason) {
    HttpResponse<String> response = call(token);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("www-authenticate").orElseThrow()).contains("error=\"invalid_token\"");
    assertThat(new JsonObject(response.body()).getString("detail")).contains(reason);
  }

  @Test
  void aValidRs256TokenIsAcceptedAndMappedOntoTenantRolesAndPermissions() throws Exception {
    HttpResponse<String> response = call(rs256(b -> { }));
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject headers = new JsonObject(response.body()).getJsonObject("headers");
    assertThat(headers.containsKey("authorization")).isFalse();
    JWTClaimsSet assertion = SignedJWT.parse(headers.getJsonArray("x-portcullis-assertion").getString(0))
        .getJWTClaimsSet();
    assertThat(assertion.getSubject()).isEqualTo("strict|alice");
    assertThat(assertion.getStringClaim("tenant")).isEqualTo("acme");
    assertThat(assertion.getStringListClaim("roles")).containsExactly("records-reader");
    assertThat(assertion.getStringListClaim("permissions")).containsExactly("records:read");
    assertThat(assertion.getStringListClaim("amr")).containsExactlyInAnyOrder("pwd", "otp");
  }

  @Test
  void aRoleChangeReachesATokenAlreadyVerified() throws Exception {
    String token = rs256(b -> b.subject("carol").claim("realm_access", Map.of("roles", List.of("report-reader"))));
    assertThat(assertionOf(call(token)).getStringListClaim("permissions")).isEmpty(); // no such role yet
    var identity = gateway.gateway().identity();
    TestGateway.await(identity.iam().blocking(() -> identity.iam().store().createRole("acme", "report-reader",
        "reads reports", java.util.Set.of("reports:read"))));
    identity.iam().tenantChanged("acme");
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(assertionOf(call(token)).getStringListClaim("permissions")).containsExactly("reports:read"));
  }

  @Test
  void aClaimedRouteApprovalRoleGrantsNothing() throws Exception {
    var identity = gateway.gateway().identity();
    TestGateway.await(identity.iam().blocking(() -> identity.iam().store().createRole("acme",
        "route-approval:patients", "system role of an approved access request", java.util.Set.of("approval:patients"))));
    identity.iam().tenantChanged("acme");
    String token = rs256(b -> b.subject("mallory").claim("realm_access", Map.of("roles",
        List.of("records-reader", "route-approval:patients"))));
    // only a timed binding after four-eyes approval carries it, never an issuer's claim
    org.awaitility.Awaitility.await().during(java.time.Duration.ofMillis(300)).atMost(java.time.Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(assertionOf(call(token)).getStringListClaim("permissions"))
            .containsExactly("records:read"));
  }

  private static JWTClaimsSet assertionOf(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).isEqualTo(200);
    return SignedJWT.parse(new JsonObject(response.body()).getJsonObject("headers")
        .getJsonArray("x-portcullis-assertion").getString(0)).getJWTClaimsSet();
  }

  @Test
  void aValidEs256TokenIsAccepted() throws Exception {
    String token = sign(new ECDSASigner(ec), new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(),
        claims(b -> { }).build());
    assertThat(call(token).statusCode()).isEqualTo(200);
  }

  @Test
  void algNoneIsRefused() {
    refused(new PlainJWT(claims(b -> { }).build()).serialize(), "not a signed JWT");
  }

  @Test
  void hmacSignedWithThePublicKeyIsRefused() throws Exception {
    byte[] publicKeyAsSecret = rsa.toRSAPublicKey().getEncoded();
    refused(sign(new MACSigner(publicKeyAsSecret), new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(),
        claims(b -> { }).build()), "algorithm 'HS256' is not accepted");
  }

  @Test
  void anAlgorithmOffTheIssuersListIsRefused() throws Exception {
    refused(sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.RS384).keyID("rsa-1").build(),
        claims(b -> { }).build()), "algorithm 'RS384' is not accepted");
  }

  @Test
  void aJkuHeaderIsRefused() throws Exception {
    refused(sign(new RSASSASigner(attacker), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
        .jwkURL(URI.create("https://evil.example/jwks")).build(), claims(b -> { }).build()), "jku");
  }

  @Test
  void anX5uHeaderIsRefused() throws Exception {
    refused(sign(new RSASSASigner(attacker), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
        .x509CertURL(URI.create("https://evil.example/cert.pem")).build(), claims(b -> { }).build()), "x5u");
  }

  @Test
  void anEmbeddedJwkIsRefused() throws Exception {
    refused(sign(new RSASSASigner(attacker), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1")
        .jwk(attacker.toPublicJWK()).build(), claims(b -> { }).build()), "jwk");
  }

  @Test
  void aSignatureByAnotherKeyWithAKnownKidIsRefused() throws Exception {
    refused(sign(new RSASSASigner(attacker), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(),
        claims(b -> { }).build()), "signature does not verify");
  }

  @Test
  void aTamperedPayloadIsRefused() throws Exception {
    String[] parts = rs256(b -> { }).split("\\.");
    String evil = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        claims(b -> b.claim("tenant", "globex")).build().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    refused(parts[0] + "." + evil + "." + parts[2], "signature does not verify");
  }

  @Test
  void timeClaimsAreCheckedWithTheConfiguredSkew() throws Exception {
    Instant now = Instant.now();
    refused(rs256(b -> b.expirationTime(Date.from(now.minusSeconds(120)))), "expired");
    refused(rs256(b -> b.notBeforeTime(Date.from(now.plusSeconds(120)))), "not valid before");
    refused(rs256(b -> b.issueTime(Date.from(now.plusSeconds(120)))), "issued in the future");
    refused(rs256(b -> b.expirationTime(null)), "has no expiry");
    // within the skew: accepted
    assertThat(call(rs256(b -> b.expirationTime(Date.from(now.minusSeconds(10))))).statusCode()).isEqualTo(200);
  }

  @Test
  void issuerAndAudienceMustMatch() throws Exception {
    refused(rs256(b -> b.issuer("https://other.example")), "not issued by a trusted issuer");
    refused(rs256(b -> b.audience("some-other-service")), "not meant for this gateway");
    refused(rs256(b -> b.subject(null)), "has no subject claim");
  }

  @Test
  void anIdTokenIsNotAnAccessToken() throws Exception {
    refused(rs256(b -> b.claim("nonce", "n-1")), "an ID token is not an access token");
    refused(rs256(b -> b.claim("typ", "ID")), "an ID token is not an access token");
  }

  @Test
  void anIssuerWhoseKeysCannotBeFetchedIs503NotInvalid() throws Exception {
    String token = sign(new RSASSASigner(rsa), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(),
        claims(b -> b.issuer(unreachable)).build());
    HttpResponse<String> response = call(token);
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(response.body()).getString("key")).isEqualTo("IDENTITY_UNAVAILABLE");
  }

  @Test
  void garbageIsRefused() {
    refused("abc.def.ghi", "not a JWT");
    refused("not-even-a-jwt", "not a JWT");
  }

  @Test
  void unknownKeyIdsRefetchTheJwksAtMostOncePerInterval() throws Exception {
    assertThat(call(rs256(b -> { })).statusCode()).isEqualTo(200); // keys loaded
    int before = jwksHits.get();
    RSAKey unknown = new RSAKeyGenerator(2048).keyID("never-published").generate();
    for (int i = 0; i < 5; i++) {
      refused(sign(new RSASSASigner(unknown), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("never-published")
          .type(JOSEObjectType.JWT).build(), claims(b -> b.subject("x" + Math.random())).build()),
          "signed with a key the issuer does not publish");
    }
    assertThat(jwksHits.get() - before).isLessThanOrEqualTo(1); // the strict issuer waits an hour between fetches
  }

  @Test
  void aRotatedIssuerKeyIsPickedUpOnItsFirstUse() throws Exception {
    RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
    java.util.function.Function<RSAKey, String> token = key -> {
      try {
        return sign(new RSASSASigner(key), new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
            claims(b -> b.issuer(rotatingIssuer).claim("roles", List.of("records-reader"))).build());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
    assertThat(call(token.apply(rsa)).statusCode()).isEqualTo(200);
    published.set(new JWKSet(List.<JWK>of(rsa.toPublicJWK(), ec.toPublicJWK(), next.toPublicJWK())));
    try {
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .until(() -> call(token.apply(next)).statusCode() == 200);
      // the issuer withdraws the old key: within jwksMaxAge it is no longer trusted
      published.set(new JWKSet(List.<JWK>of(ec.toPublicJWK(), next.toPublicJWK())));
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
          .until(() -> call(token.apply(rsa)).statusCode() == 401);
      assertThat(call(token.apply(next)).statusCode()).isEqualTo(200);
    } finally {
      published.set(new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())));
    }
  }
}
