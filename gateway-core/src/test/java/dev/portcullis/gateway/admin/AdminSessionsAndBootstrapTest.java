package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.GatewayCookies;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.support.AdminClient;
import dev.portcullis.gateway.support.AdminClient.Response;
import dev.portcullis.gateway.support.Authenticator;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin API from an admin's browser session (only with a fresh second factor, and changes only
 * with the CSRF header), votes on access requests through the API, and the bootstrap token's rules.
 */
class AdminSessionsAndBootstrapTest {

  static final MutableClock CLOCK = MutableClock.startingNow();
  static final String BOOTSTRAP = "pcl_" + Secrets.random256();

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static AdminClient root;

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, yaml(dir), Map.of(AdminApi.BOOTSTRAP_ENV, BOOTSTRAP), CLOCK);
    root = AdminClient.of(gateway, BOOTSTRAP);
  }

  static String yaml(Path in) {
    return TestGateway.header(in) + IdentityYaml.standalone(in) + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
            authentication: required
        """.formatted(backends.echo());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  static String createUser(String username, String password, String role) {
    Response user = root.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", username)
        .put("password", password));
    assertThat(user.status()).as(user.body()).isEqualTo(201);
    String id = user.json().getString("id");
    if (role != null) {
      assertThat(root.post("/admin/v1/bindings", new JsonObject().put("role", role).put("user", id)
          .put("reason", "test")).status()).isEqualTo(201);
    }
    return id;
  }

  @Test
  void anAdminsBrowserSessionWorksOnlyWithAFreshSecondFactorAndChangesNeedTheCsrfHeader() {
    createUser("sam-admin", "sam-admin-long-password", "tenant-admin");
    Browserless browser = new Browserless(gateway.url(""));
    assertThat(browser.login("sam-admin", "sam-admin-long-password", "/app/x").statusCode()).isEqualTo(303);
    AdminClient passwordOnly = root.as(null).withHeaders(Map.of("Cookie", GatewayCookies.SESSION + "="
        + browser.cookies().get(GatewayCookies.SESSION)));
    Response refused = passwordOnly.get("/admin/v1/me");
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.key()).isEqualTo("MFA_REQUIRED");
    assertThat(refused.detail()).contains("/.portcullis/mfa");

    enrol(browser);
    AdminClient session = root.as(null).withHeaders(Map.of("Cookie", GatewayCookies.SESSION + "="
        + browser.cookies().get(GatewayCookies.SESSION)));
    Response me = session.get("/admin/v1/me");
    assertThat(me.status()).as(me.body()).isEqualTo(200);
    assertThat(me.json().getString("method")).isEqualTo("session");
    assertThat(me.json().getJsonArray("roles")).contains("tenant-admin");

    JsonObject body = new JsonObject().put("username", "made-by-session");
    Response noHeader = session.post("/admin/v1/users", body);
    assertThat(noHeader.status()).isEqualTo(403);
    assertThat(noHeader.key()).isEqualTo("CSRF_HEADER_MISSING");
    assertThat(root.get("/admin/v1/users?q=made-by-session").json().getJsonArray("items")).isEmpty();
    Response withHeader = session.withHeaders(Map.of(AdminAuth.CSRF_HEADER, "1")).post("/admin/v1/users", body);
    assertThat(withHeader.status()).as(withHeader.body()).isEqualTo(201);
    assertThat(withHeader.json().getString("tenant")).isEqualTo("acme");

    CLOCK.advance(AdminAuth.MFA_MAX_AGE.plusMinutes(1));
    Response stale = session.get("/admin/v1/me");
    assertThat(stale.status()).isEqualTo(401);
    assertThat(stale.key()).isEqualTo("MFA_REQUIRED");

    String samId = root.get("/admin/v1/users?q=sam-admin").json().getJsonArray("items").getJsonObject(0)
        .getString("id");
    Response reset = root.delete("/admin/v1/users/" + samId + "/totp");
    assertThat(reset.json().getBoolean("removed")).isTrue();
    assertThat(session.get("/admin/v1/me").key()).as("a reset ends the sessions").isEqualTo("AUTHENTICATION_REQUIRED");
  }

  /** Enrols the signed-in user's authenticator through the pages (the session then carries otp). */
  private static void enrol(Browserless browser) {
    HttpResponse<String> page = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    Authenticator app = new Authenticator(Authenticator.secretOn(page.body()), CLOCK);
    CLOCK.advance(Duration.ofSeconds(30));
    Matcher rd = Pattern.compile("name=\"rd\" value=\"([^\"]*)\"").matcher(page.body());
    HttpResponse<String> done = browser.post("/.portcullis/mfa/enrol", Map.of("csrf", Browserless.csrf(page.body()),
        "rd", rd.find() ? rd.group(1).replace("&amp;", "&") : "/", "code", app.code()));
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
  }

  @Test
  void anAdminUnlockLiftsALockedOutAccount() {
    String id = createUser("locked-out", "locked-out-long-password", null);
    Browserless browser = new Browserless(gateway.url(""));
    for (int i = 0; i < 5; i++) {
      assertThat(browser.login("locked-out", "wrong-" + i, "/app/x").statusCode()).isEqualTo(401);
    }
    assertThat(browser.login("locked-out", "locked-out-long-password", "/app/x").statusCode()).isEqualTo(429);
    assertThat(root.post("/admin/v1/users/" + id + "/unlock", null).status()).isEqualTo(204);
    assertThat(browser.login("locked-out", "locked-out-long-password", "/app/x").statusCode()).isEqualTo(303);
  }

  @Test
  void approversVoteOnAccessRequestsThroughTheApiAndTheRequesterCannot() {
    String requester = createUser("req-user", "req-user-long-password", null);
    AdminClient first = tokenFor(createUser("approver-one", "approver-one-long-password", "approver"),
        "access-requests:approve");
    AdminClient second = tokenFor(createUser("approver-two", "approver-two-long-password", "approver"),
        "access-requests:approve");
    var request = TestGateway.await(gateway.gateway().identity().accessRequests().request(requester, "role",
        "records-reader", "monthly report", Duration.ofHours(2), null));

    Response listed = first.get("/admin/v1/access-requests?status=pending");
    assertThat(listed.json().getJsonArray("items").stream().map(r -> ((JsonObject) r).getString("id")).toList())
        .contains(request.id());
    Response one = first.post("/admin/v1/access-requests/" + request.id() + "/approve",
        new JsonObject().put("comment", "ok"));
    assertThat(one.status()).as(one.body()).isEqualTo(200);
    assertThat(one.json().getString("outcome")).isEqualTo("approved");
    Response again = first.post("/admin/v1/access-requests/" + request.id() + "/approve", new JsonObject());
    assertThat(again.status()).isEqualTo(409);
    Response two = second.post("/admin/v1/access-requests/" + request.id() + "/approve", null);
    assertThat(two.json().getString("outcome")).isEqualTo("granted");
    assertThat(two.json().getJsonObject("request").getString("status")).isEqualTo("approved");
    Response detail = root.get("/admin/v1/access-requests/" + request.id());
    assertThat(detail.json().getJsonArray("votes")).hasSize(2);

    var denied = TestGateway.await(gateway.gateway().identity().accessRequests().request(requester, "role",
        "records-admin", "curious", Duration.ofHours(1), null));
    AdminClient requesterClient = tokenFor(requester, "records:read");
    Response self = requesterClient.post("/admin/v1/access-requests/" + denied.id() + "/approve", null);
    assertThat(self.status()).isEqualTo(403);
    AdminClient approverWithNarrowToken = tokenFor(root.get("/admin/v1/users?q=approver-one").json()
        .getJsonArray("items").getJsonObject(0).getString("id"), "access-requests:approve");
    assertThat(approverWithNarrowToken.get("/admin/v1/me").status()).isEqualTo(200);
    Response no = first.post("/admin/v1/access-requests/" + denied.id() + "/deny", new JsonObject()
        .put("comment", "not needed"));
    assertThat(no.json().getString("outcome")).isEqualTo("denied");
    assertThat(first.post("/admin/v1/access-requests/" + denied.id() + "/deny",
        new JsonObject().put("verdict", "no")).key()).isEqualTo("UNKNOWN_FIELD");
  }

  @Test
  void administrativeRolesCannotBeRequestedAndATokenWithoutTheApproveScopeCannotVote() {
    String requester = createUser("ambitious", "ambitious-long-password", null);
    assertThatThrownBy(() -> TestGateway.await(gateway.gateway().identity().accessRequests().request(requester,
        "role", "tenant-admin", "I would like to help", Duration.ofHours(1), null)))
        .hasMessageContaining("administers the gateway");
    String approver = createUser("approver-three", "approver-three-long-password", "approver");
    bindRole("records-reader", approver);
    var request = TestGateway.await(gateway.gateway().identity().accessRequests().request(requester, "role",
        "records-reader", "quarterly report", Duration.ofHours(1), null));
    Response narrow = tokenFor(approver, "records:read").post("/admin/v1/access-requests/" + request.id()
        + "/approve", null);
    assertThat(narrow.status()).isEqualTo(403);
    assertThat(narrow.key()).isEqualTo("PERMISSION_REQUIRED");
    assertThat(root.get("/admin/v1/access-requests/" + request.id()).json().getJsonArray("votes")).isEmpty();
  }

  private static void bindRole(String role, String userId) {
    assertThat(root.post("/admin/v1/bindings", new JsonObject().put("role", role).put("user", userId)
        .put("reason", "test")).status()).isEqualTo(201);
  }

  private static AdminClient tokenFor(String userId, String scope) {
    Response token = root.post("/admin/v1/users/" + userId + "/tokens", new JsonObject().put("name", "t")
        .put("scopes", new JsonArray().add(scope)));
    assertThat(token.status()).as(token.body()).isEqualTo(201);
    return root.as(token.json().getString("secret"));
  }

  @Test
  void aMalformedBootstrapTokenStopsTheStartNamingTheVariable(@TempDir Path other) {
    assertThatThrownBy(() -> TestGateway.start(other, yaml(other), Map.of(AdminApi.BOOTSTRAP_ENV, "letmein"), CLOCK))
        .hasMessageContaining(AdminApi.BOOTSTRAP_ENV).hasMessageContaining("pcl_");
  }

  @Test
  void withoutATokenTheLogSaysHowToBeginAndTheBootstrapTokenLastsADay(@TempDir Path other) {
    var logs = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    logs.start();
    var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(AdminBootstrap.class);
    logger.addAppender(logs);
    MutableClock clock = MutableClock.startingNow();
    String token = "pcl_" + Secrets.random256();
    try {
      TestGateway.start(other, yaml(other), Map.of(), clock).close();
      assertThat(messages(logs)).anySatisfy(m -> assertThat(m).contains("Nobody can administer this gateway yet",
          AdminApi.BOOTSTRAP_ENV, "openssl rand"));

      try (TestGateway gateway = TestGateway.start(other, yaml(other), Map.of(AdminApi.BOOTSTRAP_ENV, token), clock)) {
        AdminClient boot = AdminClient.of(gateway, token);
        assertThat(boot.get("/admin/v1/me").status()).isEqualTo(200);
        clock.advance(AdminBootstrap.LIFETIME.plusMinutes(1));
        assertThat(boot.get("/admin/v1/me").status()).as("a day later").isEqualTo(401);
      }
      try (TestGateway again = TestGateway.start(other, yaml(other), Map.of(AdminApi.BOOTSTRAP_ENV, token), clock)) {
        assertThat(AdminClient.of(again, token).get("/admin/v1/me").status()).isEqualTo(401);
        assertThat(messages(logs)).anySatisfy(m -> assertThat(m).contains("expired at", "Unset it"));
      }
      assertThat(String.join("\n", messages(logs))).doesNotContain(token);
    } finally {
      logger.detachAppender(logs);
    }
  }

  private static java.util.List<String> messages(
      ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs) {
    synchronized (logs.list) {
      return logs.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
    }
  }

  @Test
  void theBootstrapTokenIsIgnoredOnceAnAdministratorExists(@TempDir Path other) {
    String first = "pcl_" + Secrets.random256();
    String yaml = yaml(other);
    TestGateway one = TestGateway.start(other, yaml, Map.of(AdminApi.BOOTSTRAP_ENV, first), CLOCK);
    try {
      AdminClient boot = AdminClient.of(one, first);
      Response admin = boot.post("/admin/v1/users", new JsonObject().put("tenant", "system").put("username",
          "real-admin"));
      assertThat(boot.post("/admin/v1/bindings", new JsonObject().put("role", "iam-admin").put("user",
          admin.json().getString("id")).put("reason", "the first real admin")).status()).isEqualTo(201);
    } finally {
      one.close();
    }
    String second = "pcl_" + Secrets.random256();
    TestGateway two = TestGateway.start(other, yaml, Map.of(AdminApi.BOOTSTRAP_ENV, second), CLOCK);
    try {
      assertThat(AdminClient.of(two, second).get("/admin/v1/me").status()).isEqualTo(401);
      assertThat(AdminClient.of(two, first).get("/admin/v1/me").status()).as("the first one lasts its 24 hours")
          .isEqualTo(200);
    } finally {
      two.close();
    }
  }
}
