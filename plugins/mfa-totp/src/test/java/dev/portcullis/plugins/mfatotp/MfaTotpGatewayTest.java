package dev.portcullis.plugins.mfatotp;

import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Authenticator;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy on routes of a real gateway: a missing or stale second factor never reaches the
 * backend; a browser is stepped up and brought back to the same URL, an API client gets 401 with
 * RFC 9470's {@code insufficient_user_authentication}.
 */
class MfaTotpGatewayTest {

  private static final String HTML = "text/html,application/xhtml+xml";
  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static final AtomicInteger HITS = new AtomicInteger();
  static final MutableClock CLOCK = MutableClock.startingNow();

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: finance
            match: { pathPrefix: /finance }
            upstream: { targets: [ "%1$s" ] }
            policies:
              - mfa-totp: { maxAge: 15m }
          - id: ops
            match: { pathPrefix: /ops }
            upstream: { targets: [ "%1$s" ] }
            policies:
              - test-decision: { decision: allow }
              - mfa-totp: { roles: [ ops ] }
        """.formatted(backends.counting(HITS)), Map.of(), CLOCK);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  @Test
  void aStaleFactorSendsTheBrowserToStepUpAndBackToTheSameUrl() {
    User user = user();
    Browserless browser = new Browserless(gateway.url(""));
    Authenticator app = enrolledAndSignedIn(browser, user);
    assertThat(browser.get("/finance/report?q=1", "Accept", HTML).statusCode()).isEqualTo(200);
    int hits = HITS.get();

    CLOCK.advance(Duration.ofMinutes(16));
    HttpResponse<String> stale = browser.get("/finance/report?q=1", "Accept", HTML);
    assertThat(stale.statusCode()).isEqualTo(302);
    assertThat(stale.headers().firstValue("location")).hasValue("/.portcullis/mfa?rd=%2Ffinance%2Freport%3Fq%3D1");
    assertThat(HITS.get()).isEqualTo(hits);

    HttpResponse<String> page = browser.get(stale.headers().firstValue("location").orElseThrow());
    assertThat(page.body()).contains("Confirm it is you");
    CLOCK.advance(Duration.ofSeconds(30));
    HttpResponse<String> stepped = browser.post("/.portcullis/mfa", Map.of("csrf", Browserless.csrf(page.body()),
        "rd", "/finance/report?q=1", "code", app.code()));
    assertThat(stepped.headers().firstValue("location")).hasValue("/finance/report?q=1");
    HttpResponse<String> back = browser.get("/finance/report?q=1", "Accept", HTML);
    assertThat(back.statusCode()).isEqualTo(200);
    assertThat(HITS.get()).isEqualTo(hits + 1);
  }

  @Test
  void withoutASecondFactorTheBrowserIsOfferedEnrolmentAndScriptsGet401() {
    User user = user();
    Browserless browser = new Browserless(gateway.url(""));
    browser.login(user.username(), password(user), "/finance/x");
    int hits = HITS.get();
    HttpResponse<String> challenged = browser.get("/finance/x", "Accept", HTML);
    assertThat(challenged.statusCode()).isEqualTo(302);
    HttpResponse<String> page = browser.get(challenged.headers().firstValue("location").orElseThrow());
    assertThat(page.statusCode()).isEqualTo(303);
    assertThat(page.headers().firstValue("location")).hasValue("/.portcullis/mfa/enrol?rd=%2Ffinance%2Fx");

    HttpResponse<String> script = browser.get("/finance/x", "Accept", "application/json");
    assertThat(script.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(script.body()).getString("key")).isEqualTo("MFA_REQUIRED");
    assertThat(HITS.get()).isEqualTo(hits);
  }

  @Test
  void anApiClientGetsTheRfc9470ChallengeAndTheBackendIsNotCalled() {
    User user = user();
    IdentityServices identity = gateway.gateway().identity();
    String token = TestGateway.await(identity.iam().blocking(() -> identity.apiTokens().create(user.id(), "script",
        Set.of("records:read"), null))).plaintext();
    int hits = HITS.get();
    HttpResponse<String> refused = new Browserless(gateway.url("")).get("/finance/x", "Authorization", "Bearer " + token);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"portcullis\", "
        + "error=\"insufficient_user_authentication\", error_description=\"a second factor is required\"");
    JsonObject problem = new JsonObject(refused.body());
    assertThat(problem.getString("key")).isEqualTo("MFA_REQUIRED");
    assertThat(problem.getString("detail")).isEqualTo("a second factor is required");
    assertThat(HITS.get()).isEqualTo(hits);
  }

  @Test
  void onlyHoldersOfTheNamedRolesAreAskedForASecondFactor() {
    User plain = user();
    Browserless browser = new Browserless(gateway.url(""));
    browser.login(plain.username(), password(plain), "/ops/x");
    assertThat(browser.get("/ops/x").statusCode()).isEqualTo(200);

    User operator = user();
    IdentityServices identity = gateway.gateway().identity();
    TestGateway.await(identity.iam().blocking(() -> {
      Role ops = identity.iam().store().createRole("acme", "ops", "operators", Set.of("ops:run"));
      return identity.iam().store().bindRole(ops.id(), operator.id(), null, null, null, "test", "test");
    }));
    identity.iam().userChanged(operator.id());
    Browserless operatorBrowser = new Browserless(gateway.url(""));
    operatorBrowser.login(operator.username(), password(operator), "/ops/x");
    HttpResponse<String> challenged = operatorBrowser.get("/ops/x");
    assertThat(challenged.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(challenged.body()).getString("key")).isEqualTo("MFA_REQUIRED");
    assertThat(challenged.headers().firstValue("www-authenticate").orElseThrow())
        .contains("error=\"insufficient_user_authentication\"");
  }

  // ---- helpers

  private static User user() {
    IdentityServices identity = gateway.gateway().identity();
    String name = "u-" + UUID.randomUUID().toString().substring(0, 8);
    return TestGateway.await(identity.iam().blocking(() -> identity.iam().store().createUser("acme", name, null,
        name, identity.hasher().hash(name + "-long-password"))));
  }

  private static String password(User user) {
    return user.username() + "-long-password";
  }

  /** Signs in with the password, enrols from the page (which proves the factor), and returns the app. */
  private static Authenticator enrolledAndSignedIn(Browserless browser, User user) {
    browser.login(user.username(), password(user), "/finance/x");
    HttpResponse<String> page = browser.get("/.portcullis/mfa/enrol?rd=%2Ffinance%2Fx");
    Authenticator app = new Authenticator(Authenticator.secretOn(page.body()), CLOCK);
    CLOCK.advance(Duration.ofSeconds(30));
    HttpResponse<String> done = browser.post("/.portcullis/mfa/enrol", Map.of("csrf", Browserless.csrf(page.body()),
        "rd", "/finance/x", "code", app.code()));
    assertThat(done.statusCode()).isEqualTo(200);
    return app;
  }
}
