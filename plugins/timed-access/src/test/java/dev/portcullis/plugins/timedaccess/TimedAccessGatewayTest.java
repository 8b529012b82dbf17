package dev.portcullis.plugins.timedaccess;

import dev.portcullis.gateway.identity.DemoSeed;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy on routes of a real gateway: a role grant that expires mid-session closes the route at
 * once (the core drops the expired binding, so no listed role is left), and a request outside the
 * route's window never reaches the backend.
 */
class TimedAccessGatewayTest {

  private static final String JSON = "application/json";
  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static final AtomicInteger HITS = new AtomicInteger();
  static final MutableClock CLOCK = MutableClock.startingNow();
  /** Three days from the start (UTC): never today nor tomorrow, however long the tests take. */
  static final String CLOSED_DAY = TimeWindow.DAY_NAMES.get(
      LocalDate.ofInstant(CLOCK.instant(), ZoneOffset.UTC).plusDays(3).getDayOfWeek().getValue() - 1);

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: oncall
            match: { pathPrefix: /oncall }
            upstream: { targets: [ "%1$s" ] }
            policies:
              - timed-access: { roles: { oncall: "Mon-Sun 00:00-24:00 UTC" } }
          - id: closed
            match: { pathPrefix: /closed }
            upstream: { targets: [ "%1$s" ] }
            authentication: optional
            policies:
              - timed-access: { window: "%2$s 00:00-24:00 UTC" }
        """.formatted(backends.counting(HITS), CLOSED_DAY), Map.of(), CLOCK);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  @Test
  void aGrantThatExpiresMidSessionClosesTheRouteAndTheBackendIsNotCalled() {
    IdentityServices identity = gateway.gateway().identity();
    JdbcIamStore store = identity.iam().store();
    Instant validUntil = CLOCK.instant().plus(Duration.ofMinutes(10));
    User demo = TestGateway.await(identity.iam().blocking(() -> {
      User user = store.userByUsername("demo").orElseThrow();
      Role oncall = store.createRole("acme", "oncall", "on call this week", Set.of("pager:ack"));
      store.bindRole(oncall.id(), user.id(), null, null, validUntil, "test", "test");
      return user;
    }));
    identity.iam().userChanged(demo.id());

    Browserless browser = new Browserless(gateway.url(""));
    assertThat(browser.login("demo", DemoSeed.DEMO_PASSWORD, "/oncall/page").statusCode()).isEqualTo(303);
    int before = HITS.get();
    assertThat(browser.get("/oncall/page", "Accept", JSON).statusCode()).isEqualTo(200);
    assertThat(HITS.get()).isEqualTo(before + 1);

    CLOCK.advance(Duration.ofMinutes(11));
    HttpResponse<String> expired = browser.get("/oncall/page", "Accept", JSON);
    assertThat(expired.statusCode()).isEqualTo(403);
    JsonObject problem = new JsonObject(expired.body());
    assertThat(problem.getString("key")).isEqualTo("OUTSIDE_TIME_WINDOW");
    assertThat(problem.getString("detail")).isEqualTo("you hold no role that may use this route");
    assertThat(HITS.get()).isEqualTo(before + 1);
  }

  @Test
  void outsideTheRouteWindowIsDeniedAndTheBackendIsNotCalled() {
    int before = HITS.get();
    HttpResponse<String> refused = new Browserless(gateway.url("")).get("/closed/x", "Accept", JSON);
    assertThat(refused.statusCode()).isEqualTo(403);
    JsonObject problem = new JsonObject(refused.body());
    assertThat(problem.getString("key")).isEqualTo("OUTSIDE_TIME_WINDOW");
    assertThat(problem.getString("detail"))
        .isEqualTo("this route is closed now; it is open " + CLOSED_DAY + " 00:00-24:00 UTC");
    assertThat(HITS.get()).isEqualTo(before);
  }
}
