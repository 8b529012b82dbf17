package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Failure counters in the cluster: backoff, lockout that reveals nothing, unlock. */
class BruteForceTest {

  @TempDir
  Path dir;
  Backends backends;
  TestGateway gateway;

  @BeforeEach
  void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(),
        "  login: { freeAttempts: 2, backoffBase: 1m, maxLockout: 10m, window: 15m }", "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
        """.formatted(backends.echo()));
  }

  @AfterEach
  void stop() {
    gateway.close();
    backends.close();
  }

  @Test
  void afterTheFreeAttemptsEvenTheRightPasswordWaitsAndSaysHowLong() {
    Browserless browser = new Browserless(gateway.url(""));
    assertThat(browser.login("demo", "wrong-1", "/app").statusCode()).isEqualTo(401);
    assertThat(browser.login("demo", "wrong-2", "/app").statusCode()).isEqualTo(401);
    HttpResponse<String> locked = browser.login("demo", "portcullis-demo", "/app");
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.headers().firstValue("retry-after").map(Long::parseLong).orElseThrow()).isBetween(50L, 60L);
    assertThat(locked.body()).contains("Too many failed attempts. Try again in");
    assertThat(browser.cookies()).doesNotContainKey("__Host-portcullis");
    // another account from the same address is not locked by this one's failures
    assertThat(browser.login("globex-demo", "portcullis-demo", "/app").statusCode()).isEqualTo(303);
    String metrics = gateway.gateway().metrics().scrape();
    assertThat(metrics).contains("portcullis_sign_ins_total{method=\"pwd\",result=\"failure\"} 2.0",
        "portcullis_sign_ins_total{method=\"pwd\",result=\"locked\"} 1.0",
        "portcullis_sign_ins_total{method=\"pwd\",result=\"success\"} 1.0");
  }

  @Test
  void aBurstOfConcurrentGuessesGetsNoMoreChecksThanTheFreeAttempts() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    String csrf = browser.loginPage("/app");
    java.net.http.HttpClient client = dev.portcullis.gateway.support.Https.client();
    java.util.List<java.util.concurrent.CompletableFuture<Integer>> guesses = new java.util.ArrayList<>();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
    try {
      for (int i = 0; i < 12; i++) {
        String guess = "guess-" + i;
        // each guess carries the same CSRF cookie and token, as a script replaying one form would
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(gateway.url("/.portcullis/login")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Cookie", "__Host-portcullis-csrf=" + csrf)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("csrf=" + csrf
                + "&rd=%2Fapp&username=demo&password=" + guess)).build();
        guesses.add(java.util.concurrent.CompletableFuture.supplyAsync(() ->
            dev.portcullis.gateway.support.Https.send(client, request).statusCode(), pool));
      }
      java.util.List<Integer> statuses = guesses.stream().map(java.util.concurrent.CompletableFuture::join).toList();
      assertThat(statuses).containsOnly(401, 429);
      assertThat(statuses.stream().filter(s -> s == 401).count()).isLessThanOrEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aUsernameThatDoesNotExistLocksInExactlyTheSameWay() {
    Browserless browser = new Browserless(gateway.url(""));
    assertThat(browser.login("ghost", "wrong-1", "/app").statusCode()).isEqualTo(401);
    assertThat(browser.login("ghost", "wrong-2", "/app").statusCode()).isEqualTo(401);
    HttpResponse<String> ghost = browser.login("ghost", "wrong-3", "/app");
    assertThat(ghost.statusCode()).isEqualTo(429);
    assertThat(ghost.headers().firstValue("retry-after")).isPresent();
  }

  @Test
  void theAddressCounterStopsGuessingAcrossManyUsernames() {
    Browserless browser = new Browserless(gateway.url(""));
    // four times the free attempts per address: 8 failures spread over usernames
    for (int i = 0; i < 8; i++) {
      assertThat(browser.login("user-" + i, "wrong", "/app").statusCode()).isEqualTo(401);
    }
    HttpResponse<String> blocked = browser.login("demo", "portcullis-demo", "/app");
    assertThat(blocked.statusCode()).isEqualTo(429);
  }

  @Test
  void anAdminUnlockLiftsAUsernamesLockout() {
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("demo", "wrong-1", "/app");
    browser.login("demo", "wrong-2", "/app");
    assertThat(browser.login("demo", "portcullis-demo", "/app").statusCode()).isEqualTo(429);
    TestGateway.await(gateway.gateway().identity().throttle().unlock("pwd", "demo"));
    assertThat(browser.login("demo", "portcullis-demo", "/app").statusCode()).isEqualTo(303);
  }
}
