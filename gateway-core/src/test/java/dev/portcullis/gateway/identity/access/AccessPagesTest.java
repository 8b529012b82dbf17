package dev.portcullis.gateway.identity.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.Identity;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The access pages of the login portal through a real gateway: sign-in required, a request filed
 * and approved by two other people through their pages, withdrawal, elevation, and every bad form
 * answered 400 naming the field without changing anything.
 */
class AccessPagesTest {

  private static final Pattern REQUEST_ID = Pattern.compile("id=\"request-([0-9a-f-]{36})\"");
  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static final MutableClock CLOCK = MutableClock.startingNow();
  static Role approverRole;
  static Role elevatorRole;

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), dev.portcullis.gateway.support.ForkedGateway.freePort(),
        """
          access:
            requestTtl: 2h
            maxDuration: 4h
            elevation:
              records-admin: { maxDuration: 30m }
        """, "") + """
        routes:
          - id: records
            match: { pathPrefix: /records }
            upstream: { targets: [ "%s" ] }
            policies:
              - test-decision: { decision: allow }
        """.formatted(backends.echo()), Map.of(), CLOCK);
    approverRole = blocking(() -> store().createRole("acme", "request-approver", null, Set.of("access-requests:approve")));
    elevatorRole = blocking(() -> store().createRole("acme", "elevator", null, Set.of("elevate:records-admin")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  @Test
  void withoutASessionThePagesSendToSignInAndBack() {
    Browserless anonymous = new Browserless(gateway.url(""));
    for (HttpResponse<String> answer : List.of(anonymous.get("/.portcullis/access"),
        anonymous.post("/.portcullis/access/request", Map.of("targetType", "role", "target", "records-admin",
            "reason", "x", "duration", "1h")))) {
      assertThat(answer.statusCode()).isEqualTo(303);
      assertThat(answer.headers().firstValue("location")).hasValue("/.portcullis/login?rd=%2F.portcullis%2Faccess");
    }
    assertThat(anonymous.get("/.portcullis/access/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void aRouteRequestIsApprovedByTwoOtherPeopleThroughTheirPages() {
    User requester = user("requester");
    Browserless browser = signedIn(requester);
    HttpResponse<String> page = browser.get("/.portcullis/access?targetType=route&target=records");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("cache-control")).hasValue("no-store");
    assertThat(page.body()).contains("<label for=\"target\">Role or route</label>", "<label for=\"reason\">Reason</label>",
        "<label for=\"duration\">Duration</label>", "value=\"route\" checked", "value=\"records\"", "at most 4h",
        "You have not requested access yet").doesNotContain("<script", "Waiting for your decision", "Elevate");

    HttpResponse<String> filed = post(browser, page, "/.portcullis/access/request", Map.of("targetType", "route",
        "target", "records", "reason", "Quarterly audit of the records", "duration", "90m"));
    assertThat(filed.statusCode()).as(filed.body()).isEqualTo(303);
    assertThat(filed.headers().firstValue("location")).hasValue("/.portcullis/access?done=requested");
    HttpResponse<String> mine = browser.get("/.portcullis/access?done=requested");
    assertThat(mine.body()).contains("Your request was filed", "route <strong>records</strong>", "1h 30m",
        "waiting for approval");
    String id = requestId(mine.body());

    User a = approver("approver-a");
    Browserless first = signedIn(a);
    HttpResponse<String> decide = first.get("/.portcullis/access");
    assertThat(decide.body()).contains("Waiting for your decision", requester.username() + " asks for route "
        + "<strong>records</strong> for 1h 30m", "Quarterly audit of the records", "0 of 2 approvals",
        "id=\"approve-" + id + "\"", "id=\"deny-" + id + "\"", "<label for=\"comment-" + id + "\">");
    HttpResponse<String> approved = post(first, decide, "/.portcullis/access/vote", Map.of("request", id,
        "decision", "approve", "comment", "looks right"));
    assertThat(approved.headers().firstValue("location")).hasValue("/.portcullis/access?done=approved");
    assertThat(first.get("/.portcullis/access").body()).doesNotContain("id=\"approve-" + id + "\"");
    assertThat(identity(requester).permissions()).doesNotContain("approval:records");

    Browserless second = signedIn(approver("approver-b"));
    HttpResponse<String> other = second.get("/.portcullis/access");
    assertThat(other.body()).contains("1 of 2 approvals");
    assertThat(post(second, other, "/.portcullis/access/vote", Map.of("request", id, "decision", "approve"))
        .headers().firstValue("location")).hasValue("/.portcullis/access?done=granted");

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> identity(requester).permissions()
        .contains("approval:records"));
    assertThat(browser.get("/.portcullis/access").body()).contains("approved: active until");
    JsonNode granted = awaitEvent("approval.granted", e -> e.path("accessRequest").asText().equals(id));
    assertThat(granted.path("durationSeconds").asLong()).isEqualTo(5400);
    assertThat(AuditTrail.matching(audit(), e -> e.path("type").asText().equals("approval.approved")
        && e.path("accessRequest").asText().equals(id))).hasSize(2);

    CLOCK.advance(Duration.ofMinutes(90));
    assertThat(identity(requester).permissions()).doesNotContain("approval:records");
    assertThat(browser.get("/.portcullis/access").body()).contains("approved: ended");
  }

  @Test
  void theRequesterMayWithdrawButNeverDecideOnTheirOwnRequest() {
    User requester = approver("self-approver");
    Browserless browser = signedIn(requester);
    HttpResponse<String> page = browser.get("/.portcullis/access");
    post(browser, page, "/.portcullis/access/request", Map.of("targetType", "role", "target", "records-admin",
        "reason", "fix", "duration", "1h"));
    HttpResponse<String> mine = browser.get("/.portcullis/access");
    String id = requestId(mine.body());
    assertThat(mine.body()).contains("No request is waiting for you").doesNotContain("id=\"approve-" + id + "\"");

    HttpResponse<String> own = post(browser, mine, "/.portcullis/access/vote", Map.of("request", id,
        "decision", "approve"));
    assertThat(own.statusCode()).isEqualTo(403);
    assertThat(own.body()).contains("Nobody may decide on their own access request.");
    assertThat(blocking(() -> access().store().votes(id))).isEmpty();

    HttpResponse<String> withdrawn = post(browser, own, "/.portcullis/access/withdraw", Map.of("request", id));
    assertThat(withdrawn.headers().firstValue("location")).hasValue("/.portcullis/access?done=withdrawn");
    HttpResponse<String> after = browser.get("/.portcullis/access");
    assertThat(after.body()).contains("withdrawn");
    HttpResponse<String> again = post(browser, after, "/.portcullis/access/withdraw", Map.of("request", id));
    assertThat(again.statusCode()).isEqualTo(409);
    awaitEvent("approval.withdrawn", e -> e.path("accessRequest").asText().equals(id));
  }

  @Test
  void everyBadFormIsAnswered400NamingTheFieldAndChangesNothing() {
    User user = approver("typist");
    bind(elevatorRole, user);
    Browserless browser = signedIn(user);
    Map<String, String> good = Map.of("targetType", "role", "target", "records-admin", "reason", "fix", "duration",
        "1h");
    record Case(String path, Map<String, String> changes, String label) {
    }
    List<Case> cases = List.of(
        new Case("/.portcullis/access/request", Map.of("targetType", "group"), "Type of access:"),
        new Case("/.portcullis/access/request", Map.of("targetType", ""), "Type of access:"),
        new Case("/.portcullis/access/request", Map.of("target", ""), "Role or route:"),
        new Case("/.portcullis/access/request", Map.of("target", "<script>alert(1)</script>"), "Role or route:"),
        new Case("/.portcullis/access/request", Map.of("target", "no-such-role"), "Role or route:"),
        new Case("/.portcullis/access/request", Map.of("targetType", "route", "target", "no-such-route"),
            "Role or route:"),
        new Case("/.portcullis/access/request", Map.of("reason", ""), "Reason:"),
        new Case("/.portcullis/access/request", Map.of("reason", "   "), "Reason:"),
        new Case("/.portcullis/access/request", Map.of("reason", "x".repeat(501)), "Reason:"),
        new Case("/.portcullis/access/request", Map.of("duration", "forever"), "Duration:"),
        new Case("/.portcullis/access/request", Map.of("duration", "5h"), "Duration:"),
        new Case("/.portcullis/access/request", Map.of("duration", "0m"), "Duration:"),
        new Case("/.portcullis/access/request", Map.of("duration", ""), "Duration:"),
        new Case("/.portcullis/access/vote", Map.of("request", "", "decision", "approve"), "Request:"),
        new Case("/.portcullis/access/vote", Map.of("request", "x", "decision", "maybe"), "Decision:"),
        new Case("/.portcullis/access/vote", Map.of("request", "x", "decision", "approve", "comment",
            "c".repeat(501)), "Comment:"),
        new Case("/.portcullis/access/elevate", Map.of("role", "approver"), "Role:"),
        new Case("/.portcullis/access/elevate", Map.of("role", "records-admin", "duration", "31m"), "Duration:"),
        new Case("/.portcullis/access/elevate", Map.of("role", "records-admin", "reason", ""), "Reason:"));
    HttpResponse<String> page = browser.get("/.portcullis/access");
    for (Case c : cases) {
      Map<String, String> form = new LinkedHashMap<>(good);
      if (c.path().endsWith("/vote")) {
        form.clear();
      } else if (c.path().endsWith("/elevate")) {
        form.remove("targetType");
        form.remove("target");
        form.put("duration", "10m");
      }
      form.putAll(c.changes());
      HttpResponse<String> refused = post(browser, page, c.path(), form);
      assertThat(refused.statusCode()).as(c.toString()).isEqualTo(400);
      assertThat(refused.body()).as(c.toString()).contains("role=\"alert\"", "<li id=\"error-", c.label())
          .doesNotContain("<script>alert");
      if (!c.path().endsWith("/vote")) { // a vote's fields are buttons and hidden inputs: nothing to mark
        assertThat(refused.body()).as(c.toString()).contains("aria-invalid=\"true\"");
      }
      page = refused;
    }
    assertThat(blocking(() -> access().store().ofRequester(user.id(), 10))).isEmpty();
    assertThat(blocking(() -> store().grantsOf(user.id()))).hasSize(2); // approver and elevator, nothing new
    // a refused form comes back filled in as sent, escaped
    HttpResponse<String> refilled = post(browser, page, "/.portcullis/access/request", Map.of("targetType", "role",
        "target", "records-admin", "reason", "a \"quoted\" <reason>", "duration", "9h"));
    assertThat(refilled.body()).contains("a &quot;quoted&quot; &lt;reason&gt;</textarea>", "value=\"9h\"",
        "Duration: Enter a duration from 1m to 4h");
  }

  @Test
  void aUserAllowedToElevateActivatesTheRoleFromThePageForAtMostItsMaximum() {
    User user = user("oncall");
    Browserless browser = signedIn(user);
    assertThat(browser.get("/.portcullis/access").body()).doesNotContain("Elevate");
    bind(elevatorRole, user);
    HttpResponse<String> page = browser.get("/.portcullis/access");
    assertThat(page.body()).contains("<h2 id=\"elevate-title\">Elevate</h2>", "<label for=\"elevate-role\">Role</label>",
        "<option value=\"records-admin\">records-admin (at most 30m)</option>", "<label for=\"elevate-reason\">Reason",
        "<label for=\"elevate-duration\">Duration");
    HttpResponse<String> done = post(browser, page, "/.portcullis/access/elevate", Map.of("role", "records-admin",
        "reason", "database failover", "duration", "30m"));
    assertThat(done.headers().firstValue("location")).hasValue("/.portcullis/access?done=elevated");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> identity(user).permissions()
        .contains("records:write"));
    JsonNode event = awaitEvent("approval.elevated", e -> e.path("reason").asText().equals("database failover"));
    assertThat(event.path("requestId").asText()).isNotEmpty();
    CLOCK.advance(Duration.ofMinutes(30));
    assertThat(identity(user).permissions()).doesNotContain("records:write");
  }

  // ---- helpers

  private static HttpResponse<String> post(Browserless browser, HttpResponse<String> pageWithForm, String path,
      Map<String, String> fields) {
    Map<String, String> form = new LinkedHashMap<>(fields);
    form.put("csrf", Browserless.csrf(pageWithForm.body()));
    return browser.post(path, form);
  }

  private static String requestId(String page) {
    Matcher m = REQUEST_ID.matcher(page);
    assertThat(m.find()).as("a request on the page").isTrue();
    return m.group(1);
  }

  private static Browserless signedIn(User user) {
    Browserless browser = new Browserless(gateway.url(""));
    HttpResponse<String> login = browser.login(user.username(), user.username() + "-long-password",
        "/.portcullis/access");
    assertThat(login.statusCode()).isEqualTo(303);
    return browser;
  }

  private static AccessRequests access() {
    return gateway.gateway().identity().accessRequests();
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

  private static User approver(String name) {
    User user = user(name);
    bind(approverRole, user);
    return user;
  }

  private static void bind(Role role, User user) {
    blocking(() -> store().bindRole(role.id(), user.id(), null, null, null, "test", "test"));
    gateway.gateway().identity().iam().userChanged(user.id());
  }

  private static Identity identity(User user) {
    return TestGateway.await(gateway.gateway().identity().resolver().resolve(user.id(),
        Map.of("pwd", CLOCK.instant()), null));
  }

  private static Path audit() {
    return dir.resolve("data/audit");
  }

  private static JsonNode awaitEvent(String type, java.util.function.Predicate<JsonNode> match) {
    java.util.function.Predicate<JsonNode> all = e -> e.path("type").asText().equals(type) && match.test(e);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !AuditTrail.matching(audit(), all).isEmpty());
    return AuditTrail.matching(audit(), all).get(0);
  }
}
