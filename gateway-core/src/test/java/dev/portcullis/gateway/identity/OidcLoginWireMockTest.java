package dev.portcullis.gateway.identity;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * OIDC single sign-on against a provider simulated by WireMock (discovery, JWKS, token endpoint);
 * the same flow runs against a real Keycloak in KeycloakSsoIT. The test plays the provider's login
 * page: it reads state, nonce and the PKCE challenge from the redirect and answers with an ID token.
 */
class OidcLoginWireMockTest {

  @TempDir
  static Path dir;
  static WireMockServer idp;
  static RSAKey key;
  static Backends backends;
  static TestGateway gateway;
  static String issuer;

  @BeforeAll
  static void start() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("idp-1").generate();
    idp = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    idp.start();
    issuer = "http://127.0.0.1:" + idp.port() + "/realms/test";
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(), """
          oidc:
            - { id: mock, displayName: "Mock SSO", issuer: "%1$s", clientId: portcullis, clientSecret: "s3cret/+",
                tenant: acme }
            - { id: mockjit, displayName: "Mock SSO (JIT)", issuer: "%1$s", clientId: portcullis,
                clientSecret: "s3cret/+", tenant: globex, provisionUsers: true }
            - { id: down, issuer: "http://127.0.0.1:%2$d/realms/down", clientId: portcullis, clientSecret: x,
                tenant: acme }
        """.formatted(issuer, idp.port()), "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
            assertion: {}
        """.formatted(backends.echo()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
    idp.stop();
  }

  @BeforeEach
  void provider() {
    idp.resetAll();
    idp.stubFor(get(urlEqualTo("/realms/test/.well-known/openid-configuration")).willReturn(aResponse()
        .withHeader("Content-Type", "application/json").withBody(new JsonObject()
            .put("issuer", issuer)
            .put("authorization_endpoint", issuer + "/auth")
            .put("token_endpoint", issuer + "/token")
            .put("jwks_uri", issuer + "/jwks").encode())));
    idp.stubFor(get(urlEqualTo("/realms/test/jwks")).willReturn(aResponse()
        .withHeader("Content-Type", "application/json").withBody(new JWKSet(key.toPublicJWK()).toString())));
  }

  /** The redirect to the provider, parsed: its query parameters. */
  private static Map<String, List<String>> startLogin(Browserless browser, String provider) {
    HttpResponse<String> start = browser.get("/.portcullis/oidc/" + provider + "/start?rd=%2Fapp%2Fhome");
    assertThat(start.statusCode()).isEqualTo(302);
    String location = start.headers().firstValue("location").orElseThrow();
    assertThat(location).startsWith(issuer + "/auth?");
    assertThat(browser.cookies()).containsKey("__Host-portcullis-oidc");
    return new QueryStringDecoder(URI.create(location)).parameters();
  }

  private static String idToken(Map<String, List<String>> request, Consumer<JWTClaimsSet.Builder> change)
      throws Exception {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer).audience("portcullis").subject("kc-123")
        .issueTime(new Date()).expirationTime(Date.from(Instant.now().plusSeconds(300)))
        .claim("nonce", request.get("nonce").get(0)).claim("preferred_username", "demo")
        .claim("email", "x@example.org").claim("name", "Someone");
    change.accept(claims);
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("idp-1").build(), claims.build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static void tokenEndpointAnswers(String idToken) {
    idp.stubFor(post(urlPathEqualTo("/realms/test/token")).willReturn(aResponse()
        .withHeader("Content-Type", "application/json").withBody(new JsonObject().put("access_token", "at")
            .put("token_type", "Bearer").put("id_token", idToken).encode())));
  }

  private static HttpResponse<String> callback(Browserless browser, Map<String, List<String>> request, String provider) {
    return browser.get("/.portcullis/oidc/" + provider + "/callback?code=the-code&state="
        + request.get("state").get(0));
  }

  @Test
  void theCodeFlowWithPkceSignsTheMappedLocalUserIn() throws Exception {
    // an account an admin prepared for single sign-on: no password of its own
    TestGateway.await(gateway.gateway().identity().iam().blocking(() -> gateway.gateway().identity().iam().store()
        .createUser("acme", "sso-ada", null, "Ada", null)));
    Browserless browser = new Browserless(gateway.url(""));
    Map<String, List<String>> request = startLogin(browser, "mock");
    assertThat(request.get("response_type")).containsExactly("code");
    assertThat(request.get("client_id")).containsExactly("portcullis");
    assertThat(request.get("scope")).containsExactly("openid profile email");
    assertThat(request.get("code_challenge_method")).containsExactly("S256");
    assertThat(request.get("redirect_uri")).containsExactly(gateway.url("/.portcullis/oidc/mock/callback"));
    tokenEndpointAnswers(idToken(request, c -> c.subject("kc-ada").claim("preferred_username", "sso-ada")));

    HttpResponse<String> done = callback(browser, request, "mock");
    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(done.headers().firstValue("location")).hasValue("/app/home");
    assertThat(browser.cookies()).containsKey("__Host-portcullis");
    HttpResponse<String> app = browser.get("/app/home");
    assertThat(app.statusCode()).isEqualTo(200);
    JWTClaimsSet assertion = SignedJWT.parse(new JsonObject(app.body()).getJsonObject("headers")
        .getJsonArray("x-portcullis-assertion").getString(0)).getJWTClaimsSet();
    assertThat(assertion.getStringClaim("tenant")).isEqualTo("acme");
    assertThat(assertion.getStringListClaim("amr")).containsExactly("sso");

    // the code was exchanged with the PKCE verifier that matches the challenge, and client credentials
    idp.verify(postRequestedFor(urlPathEqualTo("/realms/test/token"))
        .withHeader("Authorization", equalTo("Basic " + Base64.getEncoder().encodeToString(
            "portcullis:s3cret%2F%2B".getBytes(StandardCharsets.UTF_8))))
        .withRequestBody(containing("grant_type=authorization_code"))
        .withRequestBody(containing("code=the-code")));
    String form = idp.getAllServeEvents().stream().filter(e -> e.getRequest().getUrl().endsWith("/token"))
        .findFirst().orElseThrow().getRequest().getBodyAsString();
    String verifier = new QueryStringDecoder("?" + form).parameters().get("code_verifier").get(0);
    String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
        .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    assertThat(request.get("code_challenge")).containsExactly(challenge);

    // a state is good for one sign-in only
    HttpResponse<String> replay = callback(browser, request, "mock");
    assertThat(replay.statusCode()).isEqualTo(400);
    assertThat(replay.body()).contains("already used or took too long");

    // linked by subject from now on: a renamed provider account still signs in as the same user
    Browserless again = new Browserless(gateway.url(""));
    Map<String, List<String>> second = startLogin(again, "mock");
    tokenEndpointAnswers(idToken(second, c -> c.subject("kc-ada").claim("preferred_username", "ada-renamed")));
    assertThat(callback(again, second, "mock").statusCode()).isEqualTo(303);
    // and another provider account that renames itself to sso-ada cannot take it over
    Browserless impostor = new Browserless(gateway.url(""));
    Map<String, List<String>> third = startLogin(impostor, "mock");
    tokenEndpointAnswers(idToken(third, c -> c.subject("kc-mallory").claim("preferred_username", "sso-ada")));
    assertThat(callback(impostor, third, "mock").statusCode()).isEqualTo(403);
    assertThat(impostor.cookies()).doesNotContainKey("__Host-portcullis");
  }

  @Test
  void aProviderUsernameNamingAPasswordAccountIsRefused() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    Map<String, List<String>> request = startLogin(browser, "mock");
    tokenEndpointAnswers(idToken(request, c -> c.subject("kc-someone").claim("preferred_username", "demo")));
    HttpResponse<String> response = callback(browser, request, "mock");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
  }

  @Test
  void aCallbackFromAnotherBrowserIsRefused() throws Exception {
    Browserless victim = new Browserless(gateway.url(""));
    Map<String, List<String>> request = startLogin(victim, "mock");
    tokenEndpointAnswers(idToken(request, c -> { }));
    Browserless other = new Browserless(gateway.url(""));
    HttpResponse<String> response = callback(other, request, "mock");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("did not start in this browser");
    assertThat(other.cookies()).doesNotContainKey("__Host-portcullis");
  }

  @Test
  void aWrongNonceAudienceIssuerOrSignatureIsRefused() throws Exception {
    Map<String, Consumer<JWTClaimsSet.Builder>> attacks = Map.of(
        "nonce", c -> c.claim("nonce", "replayed"),
        "audience", c -> c.audience("another-client"),
        "issuer", c -> c.issuer("http://127.0.0.1:1/evil"),
        "expired", c -> c.expirationTime(Date.from(Instant.now().minusSeconds(3600))));
    for (var attack : attacks.entrySet()) {
      Browserless browser = new Browserless(gateway.url(""));
      Map<String, List<String>> request = startLogin(browser, "mock");
      tokenEndpointAnswers(idToken(request, attack.getValue()));
      HttpResponse<String> response = callback(browser, request, "mock");
      assertThat(response.statusCode()).as(attack.getKey()).isEqualTo(401);
      assertThat(response.body()).as(attack.getKey()).contains("could not be verified");
      assertThat(browser.cookies()).as(attack.getKey()).doesNotContainKey("__Host-portcullis");
    }
    Browserless browser = new Browserless(gateway.url(""));
    Map<String, List<String>> request = startLogin(browser, "mock");
    RSAKey forger = new RSAKeyGenerator(2048).keyID("idp-1").generate();
    SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("idp-1").build(),
        SignedJWT.parse(idToken(request, c -> { })).getJWTClaimsSet());
    forged.sign(new RSASSASigner(forger));
    tokenEndpointAnswers(forged.serialize());
    assertThat(callback(browser, request, "mock").statusCode()).isEqualTo(401);
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
  }

  @Test
  void theProviderRefusingOrNoLocalAccountEndsWithAClearPage() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    Map<String, List<String>> request = startLogin(browser, "mock");
    HttpResponse<String> denied = browser.get("/.portcullis/oidc/mock/callback?error=access_denied&state="
        + request.get("state").get(0));
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.body()).contains("Mock SSO did not sign you in (access_denied).");

    Browserless stranger = new Browserless(gateway.url(""));
    Map<String, List<String>> second = startLogin(stranger, "mock");
    tokenEndpointAnswers(idToken(second, c -> c.claim("preferred_username", "not-a-local-user")));
    HttpResponse<String> none = callback(stranger, second, "mock");
    assertThat(none.statusCode()).isEqualTo(403);
    assertThat(none.body()).contains("There is no active account here");
  }

  @Test
  void provisioningCreatesTheUserInTheProvidersTenantButNeverTakesOverAnotherTenantsAccount() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    Map<String, List<String>> request = startLogin(browser, "mockjit");
    tokenEndpointAnswers(idToken(request, c -> c.subject("kc-new").claim("preferred_username", "newcomer")));
    assertThat(callback(browser, request, "mockjit").statusCode()).isEqualTo(303);
    var created = TestGateway.await(gateway.gateway().identity().iam().blocking(() ->
        gateway.gateway().identity().iam().store().userByUsername("newcomer").orElseThrow()));
    assertThat(created.tenantId()).isEqualTo("globex");
    assertThat(created.passwordHash()).isNull();
    assertThat(created.email()).isEqualTo("x@example.org");

    // 'demo' exists in acme: the globex provider cannot sign anyone in as acme's demo
    Browserless hijack = new Browserless(gateway.url(""));
    Map<String, List<String>> second = startLogin(hijack, "mockjit");
    tokenEndpointAnswers(idToken(second, c -> { }));
    assertThat(callback(hijack, second, "mockjit").statusCode()).isEqualTo(403);
  }

  @Test
  void theLoginPageOffersTheProviders() {
    HttpResponse<String> page = new Browserless(gateway.url("")).get("/.portcullis/login?rd=/app");
    assertThat(page.body()).contains("href=\"/.portcullis/oidc/mock/start?rd=%2Fapp\"", "Mock SSO (JIT)");
    assertThat(new Browserless(gateway.url("")).get("/.portcullis/oidc/nope/start").statusCode()).isEqualTo(404);
  }

  @Test
  void aProviderWhoseDiscoveryFailsIs503() {
    Browserless browser = new Browserless(gateway.url(""));
    HttpResponse<String> start = browser.get("/.portcullis/oidc/down/start?rd=/app");
    assertThat(start.statusCode()).isEqualTo(503);
    assertThat(start.body()).contains("Signing in is not possible right now.");
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis-oidc");
  }

  @Test
  void aFailingTokenEndpointIs503AndLogsNobodyIn() {
    Browserless browser = new Browserless(gateway.url(""));
    Map<String, List<String>> request = startLogin(browser, "mock");
    idp.stubFor(post(urlPathEqualTo("/realms/test/token")).willReturn(aResponse().withStatus(500)));
    assertThat(callback(browser, request, "mock").statusCode()).isEqualTo(503);
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
  }
}
