package dev.portcullis.gateway.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.zxing.BinaryBitmap;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.identity.session.Session;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Authenticator;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TOTP second factor through a real gateway (TLS, Hazelcast member, H2 store, journal) with a
 * clock the test moves: enrolment from the pages, sign-in with password and code, replay, lockout,
 * recovery codes, step-up, the enrolment rules and their grace period, the admin reset, and a
 * journal without secrets.
 */
class SecondFactorTest {

  private static final Pattern RECOVERY = Pattern.compile("<li><code>([0-9a-z-]{19})</code></li>");
  private static final String SESSION = "__Host-portcullis";
  private static final String PENDING = "__Host-portcullis-mfa";

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static final MutableClock CLOCK = MutableClock.startingNow();
  static Role mustEnrolNow;
  static Role mustEnrolWithinAWeek;
  /** Every secret and code the tests typed, to look for in the journal at the end. */
  static final List<String> SECRETS = new ArrayList<>();

  /** Everything the gateway logs while these tests run. */
  static final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> LOGS =
      new ch.qos.logback.core.read.ListAppender<>();

  @BeforeAll
  static void start() {
    LOGS.start();
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .addAppender(LOGS);
    backends = new Backends();
    // each test browser comes from an address of its own (through the trusted loopback proxy), so
    // that the per-address counters of one test do not lock out the next
    gateway = TestGateway.start(dir, TestGateway.header(dir) + "trustedProxies: [ 127.0.0.1/32 ]\n" + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), dev.portcullis.gateway.support.ForkedGateway.freePort(),
        """
          login: { freeAttempts: 3, backoffBase: 30s, maxLockout: 5m }
          mfa:
            issuer: Portcullis Test
            enforce:
              - { roles: [mfa-now], grace: 0s }
              - { roles: [mfa-week], grace: 7d }
        """, "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
        """.formatted(backends.echo()), Map.of(), CLOCK);
    mustEnrolNow = blocking(() -> store().createRole("acme", "mfa-now", "must enrol at once", Set.of("x:read")));
    mustEnrolWithinAWeek = blocking(() -> store().createRole("acme", "mfa-week", "must enrol within a week",
        Set.of("x:read")));
  }

  @AfterAll
  static void stop() {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .detachAppender(LOGS);
    gateway.close();
    backends.close();
  }

  @Test
  void enrollingFromThePagesNeedsOneGoodCodeThenShowsTenRecoveryCodesOnce() throws Exception {
    User user = user("enrol-a");
    Browserless browser = browser();
    assertThat(browser.login(user.username(), password(user), "/app/x").headers().firstValue("location"))
        .hasValue("/app/x"); // not enrolled, no rule: the password is enough
    String before = browser.cookies().get(SESSION);

    HttpResponse<String> page = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<title>Set up two-factor authentication · Portcullis</title>",
        "src=\"/.portcullis/mfa/qr.png", "Issuer: Portcullis Test", "Account: " + user.username(), "autocomplete=\"one-time-code\"");
    String secret = Authenticator.secretOn(page.body());
    assertThat(secret.replace(" ", "")).hasSize(32); // 160 bits in base32
    SECRETS.add(secret.replace(" ", ""));

    HttpResponse<byte[]> qr = bytes(browser, "/.portcullis/mfa/qr.png");
    assertThat(qr.statusCode()).isEqualTo(200);
    assertThat(qr.headers().firstValue("content-type")).hasValue("image/png");
    assertThat(qr.headers().firstValue("cache-control")).hasValue("no-store");
    assertThat(decodeQr(qr.body())).isEqualTo("otpauth://totp/Portcullis%20Test:" + user.username() + "?secret="
        + secret.replace(" ", "") + "&issuer=Portcullis%20Test&algorithm=SHA1&digits=6&period=30");

    // a reload shows the same key (the app may have it already); a wrong code enrols nothing
    HttpResponse<String> reloaded = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(Authenticator.secretOn(reloaded.body())).isEqualTo(secret);
    Authenticator app = new Authenticator(secret, CLOCK);
    HttpResponse<String> wrong = post(browser, "/.portcullis/mfa/enrol", reloaded.body(), wrongCode(app));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("That code did not match");
    assertThat(blocking(() -> store().totpCredential(user.id()).orElseThrow().confirmed())).isFalse();
    assertThat(Authenticator.secretOn(wrong.body())).isEqualTo(secret);

    HttpResponse<String> done = post(browser, "/.portcullis/mfa/enrol", wrong.body(), freshCode(app));
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).contains("Save your recovery codes", "href=\"/app/x\"");
    List<String> codes = recoveryCodes(done.body());
    assertThat(codes).hasSize(10).doesNotHaveDuplicates();
    SECRETS.addAll(codes);
    assertThat(blocking(() -> store().unusedRecoveryCodes(user.id()))).isEqualTo(10);
    // a new session id for the stronger session; the old one is gone
    String after = browser.cookies().get(SESSION);
    assertThat(after).isNotEqualTo(before);
    assertThat(session(before)).isNull();
    assertThat(session(after).authMethods()).containsKeys("pwd", "otp");
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);

    // enrolled: the enrolment page sends to the code page, and the QR code is gone
    HttpResponse<String> again = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(again.statusCode()).isEqualTo(303);
    assertThat(again.headers().firstValue("location")).hasValue("/.portcullis/mfa?rd=%2Fapp%2Fx");
    assertThat(browser.get("/.portcullis/mfa/qr.png").statusCode()).isEqualTo(404);

    awaitEvent(user, "auth.mfa.failure", e -> e.path("reason").asText().equals("bad-code"));
    awaitEvent(user, "auth.mfa.enrol", e -> e.path("method").asText().equals("otp"));
  }

  @Test
  void anEnrolledUserNeedsPasswordAndCodeAndAWrongCodeNeverMakesASession() throws Exception {
    User user = user("signin-b");
    Authenticator app = enrolled(user);

    Browserless browser = browser();
    HttpResponse<String> password = browser.login(user.username(), password(user), "/app/report?y=2026");
    assertThat(password.statusCode()).isEqualTo(303);
    assertThat(password.headers().firstValue("location")).hasValue("/.portcullis/mfa?rd=%2Fapp%2Freport%3Fy%3D2026");
    String pendingCookie = browser.setCookies(password).stream().filter(c -> c.startsWith(PENDING + "="))
        .findFirst().orElseThrow();
    assertThat(pendingCookie).contains("Secure", "HttpOnly", "SameSite=Lax", "Max-Age=300");
    assertThat(browser.cookies()).doesNotContainKey(SESSION);
    // the pending sign-in opens nothing
    assertThat(browser.get("/app/report").statusCode()).isEqualTo(401);

    HttpResponse<String> form = browser.get("/.portcullis/mfa?rd=%2Fapp%2Freport%3Fy%3D2026");
    assertThat(form.statusCode()).isEqualTo(200);
    assertThat(form.body()).contains("Two-factor authentication", "name=\"code\"");
    HttpResponse<String> wrong = post(browser, "/.portcullis/mfa", form.body(), wrongCode(app));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("That code is not right");
    assertThat(browser.cookies()).doesNotContainKey(SESSION);
    assertThat(browser.get("/app/report").statusCode()).isEqualTo(401);

    String code = freshCode(app);
    HttpResponse<String> right = post(browser, "/.portcullis/mfa", wrong.body(), code);
    assertThat(right.statusCode()).isEqualTo(303);
    assertThat(right.headers().firstValue("location")).hasValue("/app/report?y=2026");
    assertThat(browser.cookies()).containsKey(SESSION).doesNotContainKey(PENDING);
    Session session = session(browser.cookies().get(SESSION));
    assertThat(session.authMethods()).containsKeys("pwd", "otp");
    assertThat(session.authMethods().get("otp")).isEqualTo(CLOCK.instant());
    assertThat(browser.get("/app/report").statusCode()).isEqualTo(200);

    // the same code again, from another browser, in the same time step: refused
    Browserless thief = browser();
    thief.login(user.username(), password(user), "/app/x");
    HttpResponse<String> replay = post(thief, "/.portcullis/mfa", thief.get("/.portcullis/mfa?rd=%2Fapp%2Fx").body(),
        code);
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(thief.cookies()).doesNotContainKey(SESSION);
    awaitEvent(user, "auth.mfa.failure", e -> e.path("reason").asText().equals("replayed"));
    awaitEvent(user, "auth.mfa.verify", e -> e.path("method").asText().equals("otp"));
    // the next step's code is fine
    assertThat(post(thief, "/.portcullis/mfa", replay.body(), freshCode(app)).statusCode()).isEqualTo(303);
  }

  @Test
  void wrongCodesLockTheSecondFactorButNotThePassword() throws Exception {
    User user = user("lock-c");
    Authenticator app = enrolled(user);
    Browserless browser = browser();
    browser.login(user.username(), password(user), "/app/x");
    HttpResponse<String> page = browser.get("/.portcullis/mfa?rd=%2Fapp%2Fx");
    for (int i = 0; i < 3; i++) {
      page = post(browser, "/.portcullis/mfa", page.body(), wrongCode(app));
      assertThat(page.statusCode()).isEqualTo(401);
    }
    // locked for 30 s by the test clock: even the right code is not checked now
    HttpResponse<String> locked = post(browser, "/.portcullis/mfa", page.body(), app.code());
    assertThat(locked.statusCode()).isEqualTo(429);
    assertThat(locked.headers().firstValue("retry-after")).isPresent();
    assertThat(locked.body()).contains("Too many wrong codes");
    assertThat(browser.cookies()).doesNotContainKey(SESSION);
    awaitEvent(user, "auth.mfa.lockout", e -> true);

    // the password counter is a different one: the password still gets through to the code page
    Browserless other = browser();
    assertThat(other.login(user.username(), password(user), "/app/x").headers().firstValue("location"))
        .hasValue("/.portcullis/mfa?rd=%2Fapp%2Fx");
    // and after the lockout, a good code works
    CLOCK.advance(Duration.ofMinutes(1));
    assertThat(post(other, "/.portcullis/mfa", other.get("/.portcullis/mfa?rd=%2Fapp%2Fx").body(), freshCode(app))
        .statusCode()).isEqualTo(303);
  }

  @Test
  void aRecoveryCodeWorksOnceAndSaysHowManyRemain() throws Exception {
    User user = user("recover-d");
    Browserless enrolling = browser();
    enrolling.login(user.username(), password(user), "/app/x");
    List<String> codes = enrol(enrolling, user).getValue();

    Browserless browser = browser();
    browser.login(user.username(), password(user), "/app/x");
    HttpResponse<String> used = post(browser, "/.portcullis/mfa", browser.get("/.portcullis/mfa?rd=%2Fapp%2Fx").body(),
        codes.get(3).toUpperCase().replace("-", " "));
    assertThat(used.statusCode()).isEqualTo(200);
    assertThat(used.body()).contains("You signed in with a recovery code. 9 remain.", "href=\"/app/x\"");
    assertThat(session(browser.cookies().get(SESSION)).authMethods()).containsKeys("pwd", "rc");
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
    awaitEvent(user, "auth.mfa.verify", e -> e.path("method").asText().equals("rc") && e.path("remaining").asInt() == 9);

    Browserless again = browser();
    again.login(user.username(), password(user), "/app/x");
    HttpResponse<String> reused = post(again, "/.portcullis/mfa", again.get("/.portcullis/mfa?rd=%2Fapp%2Fx").body(),
        codes.get(3));
    assertThat(reused.statusCode()).isEqualTo(401);
    assertThat(again.cookies()).doesNotContainKey(SESSION);
  }

  @Test
  void aSignedInUserStepsUpOnTheSamePageAndGetsANewSessionId() throws Exception {
    User user = user("stepup-e");
    Authenticator app = enrolled(user);
    Browserless browser = browser();
    browser.login(user.username(), password(user), "/app/x");
    post(browser, "/.portcullis/mfa", browser.get("/.portcullis/mfa?rd=%2Fapp%2Fx").body(), freshCode(app));
    String first = browser.cookies().get(SESSION);
    java.time.Instant firstOtp = session(first).authMethods().get("otp");

    CLOCK.advance(Duration.ofMinutes(20));
    HttpResponse<String> page = browser.get("/.portcullis/mfa?rd=%2Fapp%2Fy");
    assertThat(page.body()).contains("Confirm it is you");
    HttpResponse<String> stepped = post(browser, "/.portcullis/mfa", page.body(), freshCode(app));
    assertThat(stepped.statusCode()).isEqualTo(303);
    assertThat(stepped.headers().firstValue("location")).hasValue("/app/y");
    String second = browser.cookies().get(SESSION);
    assertThat(second).isNotEqualTo(first);
    assertThat(session(first)).isNull();
    assertThat(session(second).authMethods().get("otp")).isAfter(firstOtp).isEqualTo(CLOCK.instant());
  }

  @Test
  void aRoleThatMustEnrolGetsNoSessionUntilItHas() throws Exception {
    User user = user("must-f");
    bind(mustEnrolNow, user);
    Browserless browser = browser();
    HttpResponse<String> password = browser.login(user.username(), password(user), "/app/x");
    assertThat(password.headers().firstValue("location")).hasValue("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(browser.cookies()).doesNotContainKey(SESSION);
    HttpResponse<String> page = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(page.body()).doesNotContain("postpone");
    // postponing is refused without a grace period
    HttpResponse<String> postpone = browser.post("/.portcullis/mfa/postpone", Map.of("csrf", Browserless.csrf(page.body()),
        "rd", "/app/x"));
    assertThat(postpone.statusCode()).isEqualTo(403);
    assertThat(postpone.body()).contains("required for your account");
    assertThat(browser.cookies()).doesNotContainKey(SESSION);

    Authenticator app = new Authenticator(Authenticator.secretOn(postpone.body()), CLOCK);
    HttpResponse<String> done = post(browser, "/.portcullis/mfa/enrol", postpone.body(), freshCode(app));
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(session(browser.cookies().get(SESSION)).authMethods()).containsKeys("pwd", "otp");
  }

  @Test
  void withinTheGracePeriodEnrolmentMayBePostponedAndAfterItNot() throws Exception {
    User user = user("grace-g");
    bind(mustEnrolWithinAWeek, user);
    Browserless browser = browser();
    assertThat(browser.login(user.username(), password(user), "/app/x").headers().firstValue("location"))
        .hasValue("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    HttpResponse<String> page = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(page.body()).contains("id=\"postpone\"", "You must set this up before");
    HttpResponse<String> later = browser.post("/.portcullis/mfa/postpone", Map.of("csrf",
        Browserless.csrf(page.body()), "rd", "/app/x"));
    assertThat(later.statusCode()).isEqualTo(303);
    assertThat(later.headers().firstValue("location")).hasValue("/app/x");
    assertThat(session(browser.cookies().get(SESSION)).authMethods()).containsOnlyKeys("pwd");
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
    awaitEvent(user, "auth.mfa.postpone", e -> true);

    CLOCK.advance(Duration.ofDays(7).plusMinutes(1));
    Browserless late = browser();
    late.login(user.username(), password(user), "/app/x");
    HttpResponse<String> required = late.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(required.body()).doesNotContain("id=\"postpone\"");
    assertThat(late.post("/.portcullis/mfa/postpone", Map.of("csrf", Browserless.csrf(required.body()), "rd",
        "/app/x")).statusCode()).isEqualTo(403);
    assertThat(late.cookies()).doesNotContainKey(SESSION);
  }

  @Test
  void anAdminResetRemovesTheAuthenticatorEndsTheSignInsLiftsTheLockoutAndIsJournaled() throws Exception {
    User user = user("reset-h");
    Authenticator app = enrolled(user);
    Browserless locked = browser();
    locked.login(user.username(), password(user), "/app/x");
    HttpResponse<String> page = locked.get("/.portcullis/mfa?rd=%2Fapp%2Fx");
    for (int i = 0; i < 3; i++) {
      page = post(locked, "/.portcullis/mfa", page.body(), wrongCode(app));
    }
    assertThat(post(locked, "/.portcullis/mfa", page.body(), app.code()).statusCode()).isEqualTo(429);

    assertThat(TestGateway.await(gateway.gateway().identity().resetSecondFactor(user.id(), "admin-1"))).isTrue();
    assertThat(blocking(() -> store().totpCredential(user.id()))).isEmpty();
    assertThat(blocking(() -> store().unusedRecoveryCodes(user.id()))).isZero();
    // the sign-in in progress ended with it (a reset means a lost or stolen device)
    assertThat(locked.get("/.portcullis/mfa?rd=%2Fapp%2Fx").statusCode()).isEqualTo(401);
    // no authenticator and no rule: the password alone signs in again; enrolling works at once (no lockout)
    Browserless browser = browser();
    assertThat(browser.login(user.username(), password(user), "/app/x").headers().firstValue("location"))
        .hasValue("/app/x");
    enrol(browser, user);
    String pseudonym = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym("admin-1"));
    String userPseudonym = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym(user.id()));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !AuditTrail.matching(audit(), e ->
        e.path("type").asText().equals("admin.mfa-reset") && e.path("target").asText().equals(userPseudonym)
            && e.path("actor").asText().equals(pseudonym)).isEmpty());
    awaitEvent(user, "session.revoked", e -> e.path("reason").asText().equals("mfa-reset"));
  }

  @Test
  void theSecondFactorPagesRefuseWhatTheyCannotServe() {
    Browserless nobody = browser();
    HttpResponse<String> noSignIn = nobody.get("/.portcullis/mfa?rd=%2Fapp%2Fx");
    assertThat(noSignIn.statusCode()).isEqualTo(401);
    assertThat(noSignIn.body()).contains("Your sign-in has expired or was not started");
    assertThat(nobody.get("/.portcullis/mfa/qr.png").statusCode()).isEqualTo(401);
    assertThat(nobody.get("/.portcullis/mfa?rd=https%3A%2F%2Fevil.example%2F").statusCode()).isEqualTo(400);
    nobody.cookies().put(PENDING, "x".repeat(43));
    assertThat(nobody.get("/.portcullis/mfa").statusCode()).isEqualTo(401);
    HttpResponse<String> noCsrf = nobody.post("/.portcullis/mfa", Map.of("code", "123456", "rd", "/app/x"));
    assertThat(noCsrf.statusCode()).isEqualTo(403);
    assertThat(nobody.get("/.portcullis/mfa/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void neitherTheJournalNorTheLogHoldsASecretOrCodeAndTheJournalVerifies() throws Exception {
    User user = user("journal-i");
    Authenticator app = enrolled(user);
    Browserless browser = browser();
    browser.login(user.username(), password(user), "/app/x");
    String code = freshCode(app);
    SECRETS.add(code);
    post(browser, "/.portcullis/mfa", browser.get("/.portcullis/mfa?rd=%2Fapp%2Fx").body(), code);
    awaitEvent(user, "auth.mfa.verify", e -> true);
    String journal = AuditTrail.raw(audit());
    for (String secret : SECRETS) {
      assertThat(journal).doesNotContain(secret);
    }
    assertThat(journal).doesNotContain(password(user));
    String log;
    synchronized (LOGS.list) {
      log = LOGS.list.stream().map(e -> e.getFormattedMessage() + " " + e.getMDCPropertyMap() + " "
          + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage())).reduce("", String::concat);
    }
    assertThat(log).contains("proved a second factor"); // the capture works
    for (String secret : SECRETS) {
      assertThat(log).doesNotContain(secret);
    }
    assertThat(log).doesNotContain(password(user));
    assertThat(AuditTrail.verify(dir.resolve("data")).intact()).isTrue();
    io.vertx.json.schema.Validator schema = AuditTrail.schemaValidator();
    for (JsonNode record : AuditTrail.records(audit())) {
      io.vertx.json.schema.OutputUnit result = schema.validate(new io.vertx.core.json.JsonObject(record.toString()));
      assertThat(result.getValid()).as("%s: %s", record, result.getErrors()).isTrue();
    }
  }

  @Test
  void aPendingSignInIsUsedOnceEndsAfterFiveMinutesAndWithAPasswordChange() throws Exception {
    User user = user("pending-j");
    Authenticator app = enrolled(user);
    Browserless browser = browser();
    browser.login(user.username(), password(user), "/app/x");
    String pendingId = browser.cookies().get(PENDING);
    HttpResponse<String> form = browser.get("/.portcullis/mfa?rd=%2Fapp%2Fx");
    assertThat(post(browser, "/.portcullis/mfa", form.body(), freshCode(app)).statusCode()).isEqualTo(303);
    // the same pending sign-in again (a second tab, a replayed form): it is gone
    Browserless again = browser();
    again.cookies().put(PENDING, pendingId);
    assertThat(again.get("/.portcullis/mfa?rd=%2Fapp%2Fx").statusCode()).isEqualTo(401);

    Browserless slow = browser();
    slow.login(user.username(), password(user), "/app/x");
    HttpResponse<String> slowForm = slow.get("/.portcullis/mfa?rd=%2Fapp%2Fx");
    CLOCK.advance(Duration.ofMinutes(5).plusSeconds(1));
    HttpResponse<String> late = post(slow, "/.portcullis/mfa", slowForm.body(), app.code());
    assertThat(late.statusCode()).isEqualTo(401);
    assertThat(late.body()).contains("Your sign-in has expired");
    assertThat(slow.cookies()).doesNotContainKey(SESSION);

    Browserless changed = browser();
    changed.login(user.username(), password(user), "/app/x");
    HttpResponse<String> changedForm = changed.get("/.portcullis/mfa?rd=%2Fapp%2Fx");
    TestGateway.await(gateway.gateway().identity().setPassword(user.id(), "Correct-Horse-Battery-Staple-9"));
    assertThat(post(changed, "/.portcullis/mfa", changedForm.body(), freshCode(app)).statusCode()).isEqualTo(401);
    assertThat(changed.cookies()).doesNotContainKey(SESSION);
  }

  @Test
  void anEnrolmentBelongsToTheSignInThatStartedItAndAnOldSessionMustSignInAgainToEnrol() throws Exception {
    User user = user("owner-k");
    Browserless victim = browser();
    victim.login(user.username(), password(user), "/app/x");
    HttpResponse<String> page = victim.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    String secret = Authenticator.secretOn(page.body());
    SECRETS.add(secret.replace(" ", ""));

    // another sign-in of the same user (someone holding the password) cannot read or finish it
    Browserless other = browser();
    other.login(user.username(), password(user), "/app/x");
    assertThat(other.get("/.portcullis/mfa/qr.png").statusCode()).isEqualTo(404);
    Authenticator victimsApp = new Authenticator(secret, CLOCK);
    HttpResponse<String> otherPage = other.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    HttpResponse<String> stolen = post(other, "/.portcullis/mfa/enrol", otherPage.body(), freshCode(victimsApp));
    assertThat(stolen.statusCode()).isEqualTo(401);
    // (its own enrolment replaced the victim's unfinished one, which the victim then sees)
    assertThat(post(victim, "/.portcullis/mfa/enrol", page.body(), victimsApp.code()).statusCode()).isEqualTo(401);
    assertThat(blocking(() -> store().totpCredential(user.id()).orElseThrow().confirmed())).isFalse();

    // a session whose password is older than five minutes must prove it again before enrolling
    CLOCK.advance(Duration.ofMinutes(6));
    HttpResponse<String> stale = victim.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(stale.statusCode()).isEqualTo(401);
    assertThat(stale.body()).contains("confirm it is you: sign in again",
        "/.portcullis/login?rd=%2F.portcullis%2Fmfa%2Fenrol%3Frd%3D%252Fapp%252Fx");
    assertThat(victim.get("/.portcullis/mfa/qr.png").statusCode()).isEqualTo(401);
  }

  @Test
  void afterAResetARuleGivesNoNewGracePeriod() throws Exception {
    User user = user("regrace-l");
    bind(mustEnrolWithinAWeek, user);
    Browserless first = browser();
    first.login(user.username(), password(user), "/app/x");
    enrol(first, user);
    TestGateway.await(gateway.gateway().identity().resetSecondFactor(user.id(), "admin-1"));
    Browserless next = browser();
    assertThat(next.login(user.username(), password(user), "/app/x").headers().firstValue("location"))
        .hasValue("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    assertThat(next.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx").body()).doesNotContain("id=\"postpone\"");
  }

  // ---- helpers

  private static final java.util.concurrent.atomic.AtomicInteger ADDRESSES = new java.util.concurrent.atomic.AtomicInteger();

  private static Browserless browser() {
    int n = ADDRESSES.incrementAndGet();
    return new Browserless(gateway.url("")).header("X-Forwarded-For", "198.51.100." + (n % 250 + 1));
  }

  private static JdbcIamStore store() {
    return gateway.gateway().identity().iam().store();
  }

  private static <T> T blocking(java.util.concurrent.Callable<T> work) {
    return TestGateway.await(gateway.gateway().identity().iam().blocking(work));
  }

  private static User user(String name) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 6);
    return blocking(() -> store().createUser("acme", unique, null, unique,
        gateway.gateway().identity().hasher().hash(unique + "-long-password")));
  }

  private static String password(User user) {
    return user.username() + "-long-password";
  }

  private static void bind(Role role, User user) {
    blocking(() -> store().bindRole(role.id(), user.id(), null, null, null, "test", "test"));
    gateway.gateway().identity().iam().userChanged(user.id());
  }

  /** Enrols a user through the pages; returns their authenticator. */
  private static Authenticator enrolled(User user) {
    Browserless browser = browser();
    browser.login(user.username(), password(user), "/app/x");
    return enrol(browser, user).getKey();
  }

  private static Map.Entry<Authenticator, List<String>> enrol(Browserless browser, User user) {
    HttpResponse<String> page = browser.get("/.portcullis/mfa/enrol?rd=%2Fapp%2Fx");
    String secret = Authenticator.secretOn(page.body());
    SECRETS.add(secret.replace(" ", ""));
    Authenticator app = new Authenticator(secret, CLOCK);
    HttpResponse<String> done = post(browser, "/.portcullis/mfa/enrol", page.body(), freshCode(app));
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    List<String> codes = recoveryCodes(done.body());
    SECRETS.addAll(codes);
    return Map.entry(app, codes);
  }

  /** Moves to the next time step (a code is accepted once per step) and reads the app. */
  private static String freshCode(Authenticator app) {
    CLOCK.advance(Duration.ofSeconds(30));
    return app.code();
  }

  private static String wrongCode(Authenticator app) {
    String right = app.code();
    return String.format("%06d", (Integer.parseInt(right) + 500_000) % 1_000_000);
  }

  private static HttpResponse<String> post(Browserless browser, String path, String pageWithForm, String code) {
    Matcher rd = Pattern.compile("name=\"rd\" value=\"([^\"]*)\"").matcher(pageWithForm);
    return browser.post(path, Map.of("csrf", Browserless.csrf(pageWithForm), "rd",
        rd.find() ? rd.group(1).replace("&amp;", "&") : "/", "code", code));
  }

  private static List<String> recoveryCodes(String page) {
    List<String> codes = new ArrayList<>();
    Matcher m = RECOVERY.matcher(page);
    while (m.find()) {
      codes.add(m.group(1));
    }
    return codes;
  }

  private static Session session(String id) {
    return TestGateway.await(gateway.gateway().identity().sessions().find(id));
  }

  private static Path audit() {
    return dir.resolve("data/audit");
  }

  private static void awaitEvent(User user, String type, java.util.function.Predicate<JsonNode> match) {
    String pseudonym = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym(user.id()));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !AuditTrail.matching(audit(), e ->
        e.path("type").asText().equals(type) && e.path("subject").asText().equals(pseudonym) && match.test(e))
        .isEmpty());
  }

  private static HttpResponse<byte[]> bytes(Browserless browser, String path) throws Exception {
    HttpClient client = dev.portcullis.gateway.support.Https.client();
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url(path))).header("Cookie", browser.cookies()
        .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).reduce((a, b) -> a + "; " + b).orElse(""))
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String decodeQr(byte[] png) throws Exception {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    int[] pixels = image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    // PURE_BARCODE: the image is the code alone, as drawn; without it ZXing's finder misreads about 1.5% of
    // random secrets (FormatException, NotFoundException), which made this test flaky
    return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(image.getWidth(),
        image.getHeight(), pixels))), java.util.Map.of(com.google.zxing.DecodeHintType.PURE_BARCODE, Boolean.TRUE))
        .getText();
  }
}
