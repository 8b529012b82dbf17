package dev.portcullis.gateway.identity.lifecycle;

import dev.portcullis.gateway.admin.AdminApi;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.support.AdminClient;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Accounts nobody used for the configured time are disabled by the sweep — not those who signed in,
 * whose API token was used, or whom an admin enabled again — journaled, and told so at their next
 * sign-in (only after the right password).
 */
class UnusedAccountsTest {

  static final MutableClock CLOCK = MutableClock.startingNow();
  static final String TOKEN = "pcl_" + Secrets.random256();

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  /** The bootstrap token's client (valid for a day of the moved clock). */
  static AdminClient boot;
  /** A real admin's client, for after the clock moved (its token is first used then). */
  static AdminClient admin;

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of("jdbc:h2:file:"
        + dir.resolve("iam").toAbsolutePath(), dev.portcullis.gateway.support.ForkedGateway.freePort(), """
          lifecycle: { disableUnusedAfter: 90d, checkInterval: 1h }
        """, "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
            authentication: required
        """.formatted(backends.echo()), Map.of(AdminApi.BOOTSTRAP_ENV, TOKEN), CLOCK);
    // the bootstrap token lasts a day; these tests move the clock by months
    boot = AdminClient.of(gateway, TOKEN);
    String ops = boot.post("/admin/v1/users", new JsonObject().put("tenant", "system").put("username", "ops"))
        .json().getString("id");
    boot.post("/admin/v1/bindings", new JsonObject().put("role", "iam-admin").put("user", ops).put("reason", "test"));
    admin = boot.as(boot.post("/admin/v1/users/" + ops + "/tokens", new JsonObject().put("name", "ops")
        .put("scopes", new JsonArray().add("iam:read").add("iam:write").add("iam:all-tenants").add("iam:escalate"))
        .put("expiresAt", CLOCK.instant().plus(Duration.ofDays(300)).toString())).json().getString("secret"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  static String user(String name) {
    return boot.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", name)
        .put("password", name + "-long-password")).json().getString("id");
  }

  static int signIn(String name, String password) {
    return new Browserless(gateway.url("")).login(name, password, "/app/x").statusCode();
  }

  @Test
  void unusedAccountsAreDisabledJournaledAndToldWhyWhileUsedOnesStay() {
    String idle = user("idle-ida");
    String active = user("active-al");
    String scripted = user("scripted-sam");
    boot.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", scripted)
        .put("reason", "reports"));
    String samToken = boot.post("/admin/v1/users/" + scripted + "/tokens", new JsonObject().put("name", "cron")
        .put("scopes", new JsonArray().add("records:read"))).json().getString("secret");
    assertThat(signIn("idle-ida", "idle-ida-long-password")).isEqualTo(303);
    boot.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", idle)
        .put("reason", "reports"));
    String idaToken = boot.post("/admin/v1/users/" + idle + "/tokens", new JsonObject().put("name", "spare")
        .put("scopes", new JsonArray().add("records:read"))
        .put("expiresAt", CLOCK.instant().plus(Duration.ofDays(300)).toString())).json().getString("secret");

    CLOCK.advance(Duration.ofDays(60));
    assertThat(signIn("active-al", "active-al-long-password")).isEqualTo(303);
    assertThat(admin.as(samToken).get("/admin/v1/me").status()).as("the token is used").isEqualTo(200);
    assertThat(admin.get("/admin/v1/me").status()).as("so is the admin's").isEqualTo(200);
    CLOCK.advance(Duration.ofDays(31));

    var sessions = gateway.gateway().identity().sessions();
    String idaSession = TestGateway.await(sessions.create(idle, "acme", "idle-ida", "pwd"));
    assertThat(TestGateway.await(gateway.gateway().identity().lifecycle().sweep())).isGreaterThanOrEqualTo(1);
    assertThat(TestGateway.await(sessions.find(idaSession))).as("a disabled account's session ends").isNull();
    assertThat(admin.as(idaToken).get("/admin/v1/me").status()).as("and its tokens stop").isEqualTo(401);
    assertThat(status(idle)).isEqualTo("disabled");
    assertThat(status(active)).isEqualTo("active");
    assertThat(status(scripted)).isEqualTo("active");

    Browserless browser = new Browserless(gateway.url(""));
    HttpResponse<String> told = browser.login("idle-ida", "idle-ida-long-password", "/app/x");
    assertThat(told.statusCode()).isEqualTo(403);
    assertThat(told.body()).contains("not used for 90 days").contains("administrator");
    HttpResponse<String> guess = browser.login("idle-ida", "a-wrong-password", "/app/x");
    assertThat(guess.statusCode()).isEqualTo(401);
    assertThat(guess.body()).doesNotContain("not used");

    String actor = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym(UnusedAccounts.ACTOR));
    String target = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym(idle));
    assertThat(AuditTrail.matching(dir.resolve("data/audit"), e -> e.path("type").asText().equals("admin.user-disable")
        && e.path("target").asText().equals(target))).singleElement().satisfies(e -> {
          assertThat(e.path("actor").asText()).isEqualTo(actor);
          assertThat(e.path("tenant").asText()).isEqualTo("acme");
          assertThat(e.path("changes").path("reason").asText()).isEqualTo("unused for 90d");
        });

    assertThat(admin.post("/admin/v1/users/" + idle + "/enable", null).status()).isEqualTo(200);
    TestGateway.await(gateway.gateway().identity().lifecycle().sweep());
    assertThat(status(idle)).as("enabling counts as use").isEqualTo("active");
    assertThat(signIn("idle-ida", "idle-ida-long-password")).isEqualTo(303);
  }

  static String status(String id) {
    return admin.get("/admin/v1/users/" + id).json().getString("status");
  }

  @Test
  void theLifecycleOptionsAreChecked() {
    for (String bad : new String[] {"disableUnusedAfter: 2h", "checkInterval: 10s", "disableUnsedAfter: 90d"}) {
      assertThatThrownBy(() -> ConfigLoader.parse(TestGateway.header(dir) + IdentityYaml.of("jdbc:h2:mem:x", 1,
          "  lifecycle: { " + bad + " }", "") + "routes: []\n", "gateway.yaml", dir, dir.resolve("gateway.yaml"),
          k -> null)).isInstanceOf(InvalidConfigException.class).hasMessageContaining("identity.lifecycle."
          + bad.substring(0, bad.indexOf(':')));
    }
  }
}
