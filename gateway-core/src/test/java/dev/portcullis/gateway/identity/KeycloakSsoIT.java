package dev.portcullis.gateway.identity;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.KeycloakServer;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Single sign-on and bearer tokens against a real Keycloak (started from Maven Central's
 * distribution by scripts/keycloak.sh): the gateway's authorization-code flow with PKCE through
 * Keycloak's own login form, and Keycloak access tokens as bearer JWTs found through discovery.
 */
class KeycloakSsoIT {

  @TempDir
  static Path dir;
  static KeycloakServer keycloak;
  static Backends backends;
  static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    keycloak = KeycloakServer.start(java.nio.file.Files.createDirectories(dir.resolve("keycloak")));
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(), """
          oidc:
            - id: keycloak
              displayName: Keycloak
              issuer: "%1$s"
              clientId: portcullis
              clientSecret: "%2$s"
              tenant: acme
              provisionUsers: true
          issuers:
            - id: keycloak
              issuer: "%1$s"
              discovery: true
              audiences: [ portcullis ]
              algorithms: [ RS256 ]
              claims: { defaultTenant: acme, roles: realm_access.roles }
        """.formatted(keycloak.issuer(), KeycloakServer.CLIENT_SECRET), "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
            assertion: {}
        """.formatted(backends.echo()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (backends != null) {
      backends.close();
    }
    if (keycloak != null) {
      keycloak.close();
    }
  }

  @Test
  void aUserSignsInThroughKeycloakAndIsProvisionedLocally() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    HttpResponse<String> start = browser.get("/.portcullis/oidc/keycloak/start?rd=%2Fapp%2Fhome");
    assertThat(start.statusCode()).isEqualTo(302);
    String authorize = start.headers().firstValue("location").orElseThrow();
    assertThat(authorize).startsWith(keycloak.issuer() + "/protocol/openid-connect/auth?");

    URI back = keycloak.signIn(authorize, KeycloakServer.PASSWORD);
    assertThat(back).isNotNull();
    assertThat(back.toString()).startsWith(gateway.url("/.portcullis/oidc/keycloak/callback?"));
    HttpResponse<String> callback = browser.get(back.getRawPath() + "?" + back.getRawQuery());
    assertThat(callback.statusCode()).isEqualTo(303);
    assertThat(callback.headers().firstValue("location")).hasValue("/app/home");

    HttpResponse<String> app = browser.get("/app/home");
    assertThat(app.statusCode()).isEqualTo(200);
    JWTClaimsSet assertion = SignedJWT.parse(new JsonObject(app.body()).getJsonObject("headers")
        .getJsonArray("x-portcullis-assertion").getString(0)).getJWTClaimsSet();
    String aliceId = TestGateway.await(gateway.gateway().identity().iam().blocking(() ->
        gateway.gateway().identity().iam().store().userByUsername(KeycloakServer.USER).orElseThrow().id()));
    assertThat(assertion.getSubject()).isEqualTo(aliceId);
    assertThat(assertion.getStringClaim("tenant")).isEqualTo("acme");
  }

  @Test
  void aWrongPasswordAtKeycloakNeverReachesTheGateway() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    String authorize = browser.get("/.portcullis/oidc/keycloak/start?rd=/app").headers().firstValue("location")
        .orElseThrow();
    assertThat(keycloak.signIn(authorize, "not-alices-password")).isNull();
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
  }

  @Test
  void aKeycloakAccessTokenIsABearerTokenFoundThroughDiscovery() throws Exception {
    String token = keycloak.accessToken();
    HttpResponse<String> response = new Browserless(gateway.url("")).get("/app/x", "Authorization",
        "Bearer " + token);
    assertThat(response.statusCode()).isEqualTo(200);
    JWTClaimsSet assertion = SignedJWT.parse(new JsonObject(response.body()).getJsonObject("headers")
        .getJsonArray("x-portcullis-assertion").getString(0)).getJWTClaimsSet();
    assertThat(assertion.getSubject()).startsWith("keycloak|");
    assertThat(assertion.getStringClaim("tenant")).isEqualTo("acme");

    String tampered = token.substring(0, token.length() - 4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    assertThat(new Browserless(gateway.url("")).get("/app/x", "Authorization", "Bearer " + tampered).statusCode())
        .isEqualTo(401);
  }
}
