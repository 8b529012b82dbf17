package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Authenticator;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances in one cluster with one store and one TOTP key, as behind a load balancer: a
 * code used on one instance is refused on the other, and a user enrolled on one signs in on the
 * other.
 */
class OtpReplayAcrossInstancesTest {

  @TempDir
  Path dir;

  @Test
  void aCodeUsedOnOneInstanceIsRefusedOnTheOther() throws Exception {
    int portA = ForkedGateway.freePort();
    int portB = ForkedGateway.freePort();
    String members = "  members: [ \"127.0.0.1:" + portA + "\", \"127.0.0.1:" + portB + "\" ]";
    String jdbc = "jdbc:h2:mem:otp-replay-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    String mfa = "  mfa: { secretKey: \"" + Base64.getEncoder().encodeToString(new byte[32]) + "\" }";
    MutableClock clock = MutableClock.startingNow();
    try (Backends backends = new Backends()) {
      String routes = """
          routes:
            - id: app
              match: { pathPrefix: /app }
              upstream: { targets: [ "%s" ] }
          """.formatted(backends.echo());
      Path dirA = Files.createDirectories(dir.resolve("a"));
      Path dirB = Files.createDirectories(dir.resolve("b"));
      try (TestGateway a = TestGateway.start(dirA, TestGateway.header(dirA) + IdentityYaml.of(jdbc, portA, mfa,
              members) + routes, Map.of(), clock);
          TestGateway b = TestGateway.start(dirB, TestGateway.header(dirB) + IdentityYaml.of(jdbc, portB, mfa,
              members) + routes, Map.of(), clock)) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
            b.gateway().identity().hazelcast().getCluster().getMembers().size() == 2);
        IdentityServices identity = a.gateway().identity();
        User user = TestGateway.await(identity.iam().blocking(() -> identity.iam().store().createUser("acme",
            "replay-user", null, "Replay", identity.hasher().hash("replay-user-password"))));

        Browserless enrolling = new Browserless(a.url(""));
        enrolling.login(user.username(), "replay-user-password", "/app/x");
        HttpResponse<String> page = enrolling.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
        Authenticator app = new Authenticator(Authenticator.secretOn(page.body()), clock);
        clock.advance(Duration.ofSeconds(30));
        assertThat(submit(enrolling, "/.portcullis/mfa/enrol", page.body(), app.code()).statusCode()).isEqualTo(200);

        clock.advance(Duration.ofSeconds(30));
        String code = app.code();
        Browserless onA = new Browserless(a.url(""));
        onA.login(user.username(), "replay-user-password", "/app/x");
        assertThat(submit(onA, "/.portcullis/mfa", onA.get("/.portcullis/mfa?rd=%2Fapp%2Fx").body(), code)
            .statusCode()).isEqualTo(303);

        Browserless onB = new Browserless(b.url(""));
        onB.login(user.username(), "replay-user-password", "/app/x");
        HttpResponse<String> replayed = submit(onB, "/.portcullis/mfa", onB.get("/.portcullis/mfa?rd=%2Fapp%2Fx")
            .body(), code);
        assertThat(replayed.statusCode()).isEqualTo(401);
        assertThat(onB.cookies()).doesNotContainKey("__Host-portcullis");

        // B opens the same sealed secret: the next code works there
        clock.advance(Duration.ofSeconds(30));
        assertThat(submit(onB, "/.portcullis/mfa", replayed.body(), app.code()).statusCode()).isEqualTo(303);
        assertThat(onB.get("/app/x").statusCode()).isEqualTo(200);
      }
    }
  }

  private static HttpResponse<String> submit(Browserless browser, String path, String page, String code) {
    return browser.post(path, Map.of("csrf", Browserless.csrf(page), "rd", "/app/x", "code", code));
  }
}
