package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The login portal and sessions, through a real gateway over TLS with its Hazelcast member and H2 store. */
class LoginPortalTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    io.vertx.core.http.HttpServer cookies = backends.vertx().createHttpServer().requestHandler(req ->
        req.response().putHeader("Set-Cookie", (Iterable<String>) java.util.List.of("__Host-portcullis=planted; Path=/; Secure",
            "__Host-portcullis-csrf=planted; Path=/; Secure", "app=1; Path=/")).end("ok"));
    TestGateway.await(cookies.listen(0, "127.0.0.1"));
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
            authentication: required
          - id: open
            match: { pathPrefix: /open }
            upstream: { targets: [ "%s" ] }
            public: true
          - id: planter
            match: { pathPrefix: /planter }
            upstream: { targets: [ "http://127.0.0.1:%d" ] }
            public: true
        """.formatted(echo, echo, cookies.actualPort()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static Browserless browser() {
    return new Browserless(gateway.url(""));
  }

  private static JdbcIamStore store() {
    return gateway.gateway().identity().iam().store();
  }

  @Test
  void theLoginPageIsAFinishedAccessibleFormWithACsrfCookieAndStrictHeaders() {
    Browserless browser = browser();
    HttpResponse<String> page = browser.get("/.portcullis/login?rd=/app/x");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("<html lang=\"en\">", "<label for=\"username\">", "<label for=\"password\">",
        "autocomplete=\"current-password\"", "name=\"rd\" value=\"/app/x\"", "portal.css");
    assertThat(page.headers().firstValue("content-security-policy").orElseThrow())
        .contains("default-src 'none'", "frame-ancestors 'none'");
    assertThat(page.headers().firstValue("cache-control")).hasValue("no-store");
    assertThat(page.headers().firstValue("x-frame-options")).hasValue("DENY");
    String csrfCookie = page.headers().allValues("set-cookie").stream()
        .filter(c -> c.startsWith("__Host-portcullis-csrf=")).findFirst().orElseThrow();
    assertThat(csrfCookie).contains("Secure", "HttpOnly", "SameSite=Strict", "Path=/");
    assertThat(browser.cookies().get("__Host-portcullis-csrf")).isEqualTo(Browserless.csrf(page.body()));
    assertThat(browser.get("/.portcullis/static/portal.css").statusCode()).isEqualTo(200);
  }

  @Test
  void aCorrectPasswordStartsASessionWithAHostOnlyCookieAndGoesBack() {
    Browserless browser = browser();
    HttpResponse<String> login = browser.login("demo", "portcullis-demo", "/app/page?x=1");
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("location")).hasValue("/app/page?x=1");
    String session = login.headers().allValues("set-cookie").stream()
        .filter(c -> c.startsWith("__Host-portcullis=")).findFirst().orElseThrow();
    assertThat(session).contains("Secure", "HttpOnly", "SameSite=Lax", "Path=/").doesNotContain("Domain");
    assertThat(browser.cookies().get("__Host-portcullis")).hasSize(43);

    HttpResponse<String> app = browser.get("/app/page", "Cookie", "other=1");
    assertThat(app.statusCode()).isEqualTo(200);
    // The gateway's cookies stay at the gateway.
    JsonObject headers = new JsonObject(app.body()).getJsonObject("headers");
    assertThat(headers.getJsonArray("cookie", new io.vertx.core.json.JsonArray()).encode())
        .doesNotContain("__Host-portcullis");
  }

  @Test
  void anUnknownUserAndAWrongPasswordGetTheSameAnswer() {
    Browserless browser = browser();
    HttpResponse<String> wrong = browser.login("globex-demo", "not the password", "/app");
    HttpResponse<String> unknown = browser.login("nobody-here", "not the password", "/app");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(unknown.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("The username or password is incorrect.");
    assertThat(normalise(wrong.body()).replace("globex-demo", "X"))
        .isEqualTo(normalise(unknown.body()).replace("nobody-here", "X"));
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
  }

  private static String normalise(String html) {
    return html.replaceAll("name=\"csrf\" value=\"[^\"]+\"", "");
  }

  @Test
  void aFormWithoutTheCsrfTokenIsRefusedAndLogsNobodyIn() {
    Browserless browser = browser();
    browser.loginPage("/app");
    HttpResponse<String> forged = browser.post("/.portcullis/login", Map.of("csrf", "forged", "rd", "/app",
        "username", "demo", "password", "portcullis-demo"));
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(forged.body()).contains("This form has expired or was not sent from this site");
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");

    Browserless noCookie = browser();
    HttpResponse<String> missing = noCookie.post("/.portcullis/login", Map.of("csrf", "", "rd", "/app",
        "username", "demo", "password", "portcullis-demo"));
    assertThat(missing.statusCode()).isEqualTo(403);
    assertThat(noCookie.cookies()).doesNotContainKey("__Host-portcullis");
  }

  @Test
  void aFormFromAnotherSiteIsRefused() {
    Browserless browser = browser();
    String csrf = browser.loginPage("/app");
    HttpResponse<String> response = browser.post("/.portcullis/login", Map.of("csrf", csrf, "rd", "/app",
        "username", "demo", "password", "portcullis-demo"), "Origin", "https://evil.example");
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.body()).contains("The form was sent from another site.");
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
  }

  @Test
  void returnAddressesOnOtherSitesAreRefused() {
    for (String evil : new String[] {"//evil.example/x", "https://evil.example/", "/\\evil.example",
        "javascript:alert(1)", "http://127.0.0.1/app", "/app\r\nSet-Cookie: x=1"}) {
      Browserless browser = browser();
      HttpResponse<String> page = browser.get("/.portcullis/login?rd=" + java.net.URLEncoder.encode(evil,
          java.nio.charset.StandardCharsets.UTF_8));
      assertThat(page.statusCode()).as(evil).isEqualTo(400);
      assertThat(page.body()).as(evil).contains("Unsafe return address");
      // a crafted POST with the same target logs nobody in either
      String csrf = browser.loginPage("/app");
      HttpResponse<String> post = browser.post("/.portcullis/login", Map.of("csrf", csrf, "rd", evil,
          "username", "demo", "password", "portcullis-demo"));
      assertThat(post.statusCode()).as(evil).isEqualTo(400);
      assertThat(browser.cookies()).as(evil).doesNotContainKey("__Host-portcullis");
    }
  }

  @Test
  void anAnonymousBrowserIsSentToTheLoginPageAndAnApiClientGets401() {
    Browserless browser = browser();
    HttpResponse<String> page = browser.get("/app/docs?q=1", "Accept", "text/html,application/xhtml+xml");
    assertThat(page.statusCode()).isEqualTo(302);
    assertThat(page.headers().firstValue("location")).hasValue("/.portcullis/login?rd=%2Fapp%2Fdocs%3Fq%3D1");
    HttpResponse<String> api = browser.get("/app/docs", "Accept", "application/json");
    assertThat(api.statusCode()).isEqualTo(401);
    assertThat(api.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"portcullis\"");
    assertThat(new JsonObject(api.body()).getString("key")).isEqualTo("AUTHENTICATION_REQUIRED");
    assertThat(browser.get("/open/x").statusCode()).isEqualTo(200);
  }

  @Test
  void anUpstreamCannotSetTheGatewaysCookies() {
    HttpResponse<String> response = browser().get("/planter/x");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().allValues("set-cookie")).containsExactly("app=1; Path=/");
  }

  @Test
  void anUnknownOrForgedSessionCookieIsNoSession() {
    Browserless browser = browser();
    browser.cookies().put("__Host-portcullis", "A".repeat(43));
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(401);
    browser.cookies().put("__Host-portcullis", "short");
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(401);
  }

  @Test
  void loggingInIssuesANewSessionIdAndEndsTheOldOne() {
    Browserless browser = browser();
    assertThat(browser.login("demo", "portcullis-demo", "/app").statusCode()).isEqualTo(303);
    String first = browser.cookies().get("__Host-portcullis");
    Browserless attacker = browser();
    attacker.cookies().put("__Host-portcullis", first);
    assertThat(attacker.get("/app/x").statusCode()).isEqualTo(200);

    assertThat(browser.login("demo", "portcullis-demo", "/app").statusCode()).isEqualTo(303);
    String second = browser.cookies().get("__Host-portcullis");
    assertThat(second).isNotEqualTo(first);
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
    assertThat(attacker.get("/app/x").statusCode()).isEqualTo(401);
  }

  @Test
  void logoutEndsTheSessionEverywhere() {
    Browserless browser = browser();
    browser.login("demo", "portcullis-demo", "/app");
    String id = browser.cookies().get("__Host-portcullis");
    HttpResponse<String> confirm = browser.get("/.portcullis/logout");
    assertThat(confirm.body()).contains("You are signed in as <strong>demo</strong>");
    HttpResponse<String> out = browser.post("/.portcullis/logout", Map.of("csrf", Browserless.csrf(confirm.body())));
    assertThat(out.statusCode()).isEqualTo(200);
    assertThat(out.body()).contains("You are signed out.");
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
    Browserless replay = browser();
    replay.cookies().put("__Host-portcullis", id);
    assertThat(replay.get("/app/x").statusCode()).isEqualTo(401);
  }

  @Test
  void logoutWithoutTheCsrfTokenChangesNothing() {
    Browserless browser = browser();
    browser.login("demo", "portcullis-demo", "/app");
    HttpResponse<String> out = browser.post("/.portcullis/logout", Map.of("csrf", "guess"));
    assertThat(out.statusCode()).isEqualTo(403);
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
  }

  @Test
  void revokingAUsersSessionsAndDisablingTheUserTakeEffectAtOnce() throws Exception {
    User user = TestGateway.await(gateway.gateway().identity().iam().blocking(() -> store().createUser("acme",
        "carol", "carol@acme.example", "Carol", gateway.gateway().identity().hasher().hash("carol-long-password"))));
    Browserless one = browser();
    Browserless two = browser();
    one.login("carol", "carol-long-password", "/app");
    two.login("carol", "carol-long-password", "/app");
    assertThat(one.get("/app/x").statusCode()).isEqualTo(200);
    assertThat(TestGateway.await(gateway.gateway().identity().sessions().revokeUser(user.id()))).isEqualTo(2);
    assertThat(one.get("/app/x").statusCode()).isEqualTo(401);
    assertThat(two.get("/app/x").statusCode()).isEqualTo(401);

    one.login("carol", "carol-long-password", "/app");
    assertThat(one.get("/app/x").statusCode()).isEqualTo(200);
    TestGateway.await(gateway.gateway().identity().iam().blocking(() -> {
      store().setStatus(user.id(), User.Status.DISABLED);
      return null;
    }));
    gateway.gateway().identity().iam().userChanged(user.id());
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
        .until(() -> one.get("/app/x").statusCode() == 401);
    assertThat(browser().login("carol", "carol-long-password", "/app").statusCode()).isEqualTo(401);
  }

  @Test
  void aPasswordHashedWithOldParametersIsRehashedAtLogin() throws Exception {
    PasswordHasher old = new PasswordHasher(new dev.portcullis.gateway.config.IdentityConfig.Passwords(
        9 * 1024, 1, 1, 12));
    User user = TestGateway.await(gateway.gateway().identity().iam().blocking(() -> store().createUser("acme",
        "dave", null, "Dave", old.hash("dave-long-password"))));
    assertThat(gateway.gateway().identity().hasher().needsRehash(user.passwordHash())).isTrue();
    assertThat(browser().login("dave", "dave-long-password", "/app").statusCode()).isEqualTo(303);
    String stored = TestGateway.await(gateway.gateway().identity().iam().blocking(() ->
        store().userById(user.id()).orElseThrow().passwordHash()));
    assertThat(stored).startsWith("$argon2id$v=19$m=8192,t=1,p=1$");
    assertThat(browser().login("dave", "dave-long-password", "/app").statusCode()).isEqualTo(303);
  }

  @Test
  void aNewPasswordMustMeetTheRulesAndEndsTheOtherSessions() {
    IdentityServices identity = gateway.gateway().identity();
    User erin = TestGateway.await(identity.iam().blocking(() -> store().createUser("acme", "erin",
        "erin@acme.example", "Erin", identity.hasher().hash("erin-first-password"))));
    Browserless browser = browser();
    browser.login("erin", "erin-first-password", "/app");
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
    for (String[] bad : new String[][] {{"short", "at least 12 characters"}, {"Erin@acme.example", "email"},
        {"1qaz2wsx3edc", "commonly used"}}) {
      assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> TestGateway.await(
          identity.setPassword(erin.id(), bad[0])))).hasMessageContaining(bad[1]);
    }
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200); // nothing changed
    TestGateway.await(identity.setPassword(erin.id(), "erin-second-password"));
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(401);
    assertThat(browser().login("erin", "erin-first-password", "/app").statusCode()).isEqualTo(401);
    assertThat(browser().login("erin", "erin-second-password", "/app").statusCode()).isEqualTo(303);
  }

  @Test
  void badPortalRequestsGetClearErrors() {
    Browserless browser = browser();
    assertThat(browser.get("/.portcullis/nothing").statusCode()).isEqualTo(404);
    HttpResponse<String> put = browser.post("/.portcullis/static/portal.css", Map.of());
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("allow")).hasValue("GET, HEAD");
    String csrf = browser.loginPage("/app");
    HttpResponse<String> big = browser.post("/.portcullis/login", Map.of("csrf", csrf, "username", "x".repeat(20_000),
        "password", "y"));
    assertThat(big.statusCode()).isEqualTo(413);
    HttpResponse<String> empty = browser.post("/.portcullis/login", Map.of("csrf", browser.loginPage("/app"),
        "rd", "/app",
        "username", "", "password", ""));
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(empty.body()).contains("Enter your username and password.");
    assertThat(Set.copyOf(browser.cookies().keySet())).doesNotContain("__Host-portcullis");
  }
}
