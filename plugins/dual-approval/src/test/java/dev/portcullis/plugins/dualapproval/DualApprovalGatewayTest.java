package dev.portcullis.plugins.dualapproval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "Only with two written consents", end to end on a real gateway: a route with {@code dual-approval}
 * refuses the user (403 APPROVAL_REQUIRED, the backend never reached) until two other people have
 * approved the user's request on the access pages; then the user passes for the granted duration,
 * counted from the last approval, and is refused again when it is over.
 */
class DualApprovalGatewayTest {

  private static final Pattern REQUEST_ID = Pattern.compile("id=\"request-([0-9a-f-]{36})\"");
  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static final AtomicInteger HITS = new AtomicInteger();
  static final MutableClock CLOCK = MutableClock.startingNow();
  static Role approverRole;

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), dev.portcullis.gateway.support.ForkedGateway.freePort(),
        "  access: { approvals: 2, requestTtl: 4h, maxDuration: 2h }", "") + """
        routes:
          - id: vault
            match: { pathPrefix: /vault }
            upstream: { targets: [ "%s" ] }
            policies:
              - dual-approval: {}
        """.formatted(backends.counting(HITS)), Map.of(), CLOCK);
    approverRole = blocking(() -> gateway.gateway().identity().iam().store().createRole("acme", "request-approver", null,
        Set.of("access-requests:approve")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  @Test
  void theRoutePassesOnlyWhileTwoOtherPeoplesApprovalIsLive() {
    User requester = user("analyst");
    Browserless browser = signedIn(requester);
    int hits = HITS.get();

    HttpResponse<String> refused = browser.get("/vault/customers", "Accept", "application/json");
    assertThat(refused.statusCode()).isEqualTo(403);
    JsonObject problem = new JsonObject(refused.body());
    assertThat(problem.getString("key")).isEqualTo("APPROVAL_REQUIRED");
    assertThat(problem.getString("detail")).contains("/.portcullis/access?targetType=route&target=vault");
    assertThat(browser.get("/vault/customers", "Accept", "text/html").statusCode()).isEqualTo(403);
    assertThat(HITS.get()).isEqualTo(hits);
    String subject = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym(requester.id()));
    awaitEvent(e -> e.path("type").asText().equals("plugin.dual-approval.approval-missing")
        && e.path("subject").asText().equals(subject) && e.path("route").asText().equals("vault"));

    // the request, from the link in the refusal
    HttpResponse<String> page = browser.get("/.portcullis/access?targetType=route&target=vault");
    assertThat(page.body()).contains("value=\"route\" checked", "value=\"vault\"");
    HttpResponse<String> filed = post(browser, page, "/.portcullis/access/request", Map.of("targetType", "route",
        "target", "vault", "reason", "Customer complaint 4711: check the stored address", "duration", "1h"));
    assertThat(filed.statusCode()).isEqualTo(303);
    String id = requestId(browser.get("/.portcullis/access").body());

    approve(approver("first"), id, "approved");
    assertThat(browser.get("/vault/customers", "Accept", "application/json").statusCode()).isEqualTo(403);
    assertThat(HITS.get()).isEqualTo(hits);

    CLOCK.advance(Duration.ofMinutes(30)); // the hour starts at the last approval, not at the request
    approve(approver("second"), id, "granted");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        browser.get("/vault/customers", "Accept", "application/json").statusCode() == 200);
    assertThat(HITS.get()).isEqualTo(hits + 1);
    awaitEvent(e -> e.path("type").asText().equals("access") && e.path("route").asText().equals("vault")
        && e.path("decision").asText().equals("allow") && e.path("subject").asText().equals(subject));
    awaitEvent(e -> e.path("type").asText().equals("approval.granted") && e.path("accessRequest").asText().equals(id)
        && e.path("target").asText().equals("vault"));

    CLOCK.advance(Duration.ofMinutes(59));
    assertThat(browser.get("/vault/customers", "Accept", "application/json").statusCode()).isEqualTo(200);
    CLOCK.advance(Duration.ofMinutes(1));
    HttpResponse<String> over = browser.get("/vault/customers", "Accept", "application/json");
    assertThat(over.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(over.body()).getString("key")).isEqualTo("APPROVAL_REQUIRED");
    assertThat(HITS.get()).isEqualTo(hits + 2);
  }

  @Test
  void anAnonymousVisitorIsSentToSignIn() {
    int hits = HITS.get();
    Browserless anonymous = new Browserless(gateway.url(""));
    assertThat(anonymous.get("/vault/x", "Accept", "application/json").statusCode()).isEqualTo(401);
    HttpResponse<String> browser = anonymous.get("/vault/x", "Accept", "text/html");
    assertThat(browser.statusCode()).isEqualTo(302);
    assertThat(browser.headers().firstValue("location")).hasValue("/.portcullis/login?rd=%2Fvault%2Fx");
    assertThat(HITS.get()).isEqualTo(hits);
  }

  // ---- helpers

  private static void approve(User approver, String requestId, String notice) {
    Browserless browser = signedIn(approver);
    HttpResponse<String> page = browser.get("/.portcullis/access");
    assertThat(page.body()).contains("id=\"approve-" + requestId + "\"");
    HttpResponse<String> done = post(browser, page, "/.portcullis/access/vote", Map.of("request", requestId,
        "decision", "approve"));
    assertThat(done.headers().firstValue("location")).hasValue("/.portcullis/access?done=" + notice);
  }

  private static HttpResponse<String> post(Browserless browser, HttpResponse<String> page, String path,
      Map<String, String> fields) {
    Map<String, String> form = new LinkedHashMap<>(fields);
    form.put("csrf", Browserless.csrf(page.body()));
    return browser.post(path, form);
  }

  private static String requestId(String page) {
    Matcher m = REQUEST_ID.matcher(page);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static Browserless signedIn(User user) {
    Browserless browser = new Browserless(gateway.url(""));
    assertThat(browser.login(user.username(), user.username() + "-long-password", "/").statusCode()).isEqualTo(303);
    return browser;
  }

  private static User user(String name) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 6);
    return blocking(() -> gateway.gateway().identity().iam().store().createUser("acme", unique, null, unique,
        gateway.gateway().identity().hasher().hash(unique + "-long-password")));
  }

  private static User approver(String name) {
    User user = user(name);
    blocking(() -> gateway.gateway().identity().iam().store().bindRole(approverRole.id(), user.id(), null, null,
        null, "test", "test"));
    gateway.gateway().identity().iam().userChanged(user.id());
    return user;
  }

  private static <T> T blocking(java.util.concurrent.Callable<T> work) {
    return TestGateway.await(gateway.gateway().identity().iam().blocking(work));
  }

  private static void awaitEvent(java.util.function.Predicate<JsonNode> match) {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
        !AuditTrail.matching(dir.resolve("data/audit"), match).isEmpty());
  }
}
