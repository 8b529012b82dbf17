package dev.portcullis.gateway.audit;

import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The audit admin API on the admin listener: who may use it, queries, export, erasure, verify, live stream. */
class AuditAdminTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static String auditor;
  static String eraser;
  static String nobody;
  static String demoId;

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
            authentication: required
          - id: reports
            match: { pathPrefix: /reports }
            upstream: { targets: [ "%1$s" ] }
            policies:
              - test-decision: { decision: allow, permissions: "reports:read" }
        """.formatted(backends.echo()));
    var identity = gateway.gateway().identity();
    JdbcIamStore store = identity.iam().store();
    auditor = TestGateway.await(identity.iam().blocking(() -> {
      User user = store.createUser("acme", "audrey", "audrey@acme.example", "Audrey", null);
      Role role = store.createRole("acme", "audit-reader", "reads the audit journal", Set.of("audit:read"));
      store.bindRole(role.id(), user.id(), null, null, null, "test", "test");
      return identity.apiTokens().create(user.id(), "audit", Set.of("audit:read"), null).plaintext();
    }));
    eraser = TestGateway.await(identity.iam().blocking(() -> {
      User user = store.createUser("acme", "dpo", "dpo@acme.example", "Data protection officer", null);
      Role role = store.createRole("acme", "dpo", "erases data subjects", Set.of("audit:read", "audit:erase"));
      store.bindRole(role.id(), user.id(), null, null, null, "test", "test");
      return identity.apiTokens().create(user.id(), "erase", Set.of("audit:read", "audit:erase"), null).plaintext();
    }));
    demoId = store.userByUsername("demo").orElseThrow().id();
    nobody = TestGateway.await(identity.iam().blocking(() ->
        identity.apiTokens().create(demoId, "plain", Set.of(), null).plaintext()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  /** A request through AdminClient: its response is checked against the OpenAPI document. */
  private static HttpResponse<String> call(String method, String path, String token) {
    return dev.portcullis.gateway.support.AdminClient.of(gateway, token).call(method, path, null, java.util.Map.of())
        .raw();
  }

  private static String demoRequest(String path) {
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("demo", "portcullis-demo", "/app");
    HttpResponse<String> response = browser.get(path);
    assertThat(response.statusCode()).isEqualTo(200);
    return response.headers().firstValue("X-Request-Id").orElseThrow();
  }

  @Test
  void theLeastPrivilegeReportListsGrantedPermissionsNoAllowedRequestUsed() {
    var identity = gateway.gateway().identity();
    JdbcIamStore store = identity.iam().store();
    User analyst = TestGateway.await(identity.iam().blocking(() -> {
      User user = store.createUser("acme", "anna", null, "Anna", identity.hasher().hash("anna-long-password"));
      Role role = store.createRole("acme", "analyst", "reads and exports reports",
          Set.of("reports:read", "reports:export"));
      store.bindRole(role.id(), user.id(), null, null, null, "test", "test");
      return user;
    }));
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("anna", "anna-long-password", "/reports");
    String requestId = browser.get("/reports/q1").headers().firstValue("X-Request-Id").orElseThrow();
    await().atMost(Duration.ofSeconds(10)).until(() -> AuditTrail.matching(dir.resolve("data/audit"),
        r -> requestId.equals(r.path("requestId").asText()) && r.path("decision").asText().equals("allow")).size() == 1);

    HttpResponse<String> response = call("GET", "/admin/v1/audit/least-privilege?days=7", auditor);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject report = new JsonObject(response.body());
    assertThat(report.getString("tenant")).isEqualTo("acme");
    JsonObject anna = report.getJsonArray("bindings").stream().map(JsonObject.class::cast)
        .filter(b -> analyst.id().equals(b.getString("holder"))).findFirst().orElseThrow();
    assertThat(anna.getString("role")).isEqualTo("analyst");
    assertThat(anna.getJsonArray("used").getList()).containsExactly("reports:read");
    assertThat(anna.getJsonArray("unused").getList()).containsExactly("reports:export");
    // bad parameters name themselves; another tenant is not this auditor's to see
    assertThat(new JsonObject(call("GET", "/admin/v1/audit/least-privilege?days=0", auditor).body())
        .getString("detail")).isEqualTo("days must be a whole number from 1 to 400");
    assertThat(call("GET", "/admin/v1/audit/least-privilege?weeks=1", auditor).statusCode()).isEqualTo(400);
    assertThat(call("GET", "/admin/v1/audit/least-privilege?tenant=globex", auditor).statusCode()).isEqualTo(403);
    assertThat(call("GET", "/admin/v1/audit/least-privilege", nobody).statusCode()).isEqualTo(403);
  }

  @Test
  void onlyCallersWithTheAuditPermissionGetIn() {
    HttpResponse<String> anonymous = call("GET", "/admin/v1/audit/events", null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> v.startsWith("Bearer"));
    assertThat(new JsonObject(anonymous.body()).getString("key")).isEqualTo("AUTHENTICATION_REQUIRED");
    assertThat(call("GET", "/admin/v1/audit/events", "pcl_forged").statusCode()).isEqualTo(401);
    HttpResponse<String> plain = call("GET", "/admin/v1/audit/events", nobody);
    assertThat(plain.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(plain.body()).getString("detail")).contains("audit:read");
    HttpResponse<String> notEraser = call("DELETE", "/admin/v1/audit/subjects/" + demoId, auditor);
    assertThat(notEraser.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(notEraser.body()).getString("detail")).contains("audit:erase");
  }

  @Test
  void queriesFilterBySubjectRouteDecisionTimeAndPage() {
    Instant before = Instant.now().minusSeconds(1);
    demoRequest("/app/query-me-first");
    String requestId = demoRequest("/app/query-me");
    await().atMost(Duration.ofSeconds(10)).until(() -> call("GET", "/admin/v1/audit/events?subject=" + demoId
        + "&route=app&decision=allow&from=" + before, auditor).body().contains(requestId));
    JsonObject page = new JsonObject(call("GET", "/admin/v1/audit/events?subject=" + demoId + "&type=access&limit=1",
        auditor).body());
    assertThat(page.getJsonArray("events")).hasSize(1);
    long next = page.getLong("nextAfterSeq");
    JsonObject second = new JsonObject(call("GET", "/admin/v1/audit/events?subject=" + demoId
        + "&type=access&limit=1&afterSeq=" + next, auditor).body());
    assertThat(second.getJsonArray("events").getJsonObject(0).getLong("seq")).isGreaterThan(next);
    assertThat(new JsonObject(call("GET", "/admin/v1/audit/events?to=" + before.minusSeconds(3600), auditor).body())
        .getJsonArray("events")).isEmpty();
    // the query itself was journaled, naming the auditor by pseudonym
    assertThat(AuditTrail.matching(dir.resolve("data/audit"), r -> r.path("type").asText()
        .equals("admin.audit-query"))).isNotEmpty();
  }

  @Test
  void badQueryParametersAreNamed() {
    assertThat(new JsonObject(call("GET", "/admin/v1/audit/events?limt=5", auditor).body()).getString("detail"))
        .startsWith("unknown query parameter 'limt'");
    assertThat(new JsonObject(call("GET", "/admin/v1/audit/events?limit=0", auditor).body()).getString("detail"))
        .contains("limit must be");
    assertThat(new JsonObject(call("GET", "/admin/v1/audit/events?from=yesterday", auditor).body())
        .getString("detail")).startsWith("from must be an ISO-8601 instant");
    assertThat(new JsonObject(call("GET", "/admin/v1/audit/events?decision=maybe", auditor).body())
        .getString("detail")).startsWith("decision must be one of");
    assertThat(call("GET", "/admin/v1/audit/subjects/" + demoId + "/export?format=xml", auditor).statusCode())
        .isEqualTo(400);
  }

  @Test
  void aSubjectsHistoryExportsAsJsonAndCsvAndErasureUnlinksIt() throws Exception {
    User frank = TestGateway.await(gateway.gateway().identity().iam().blocking(() -> gateway.gateway().identity()
        .iam().store().createUser("acme", "frank", "frank@acme.example", "Frank",
            gateway.gateway().identity().hasher().hash("frank-long-password"))));
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("frank", "frank-long-password", "/app");
    String requestId = browser.get("/app/export,me").headers().firstValue("X-Request-Id").orElseThrow();
    String path = "/admin/v1/audit/subjects/" + frank.id() + "/export";

    JsonObject exported = await().atMost(Duration.ofSeconds(10)).until(() -> new JsonObject(call("GET", path,
        auditor).body()), json -> json.getJsonArray("events", new JsonArray()).encode().contains(requestId));
    assertThat(exported.getString("subject")).isEqualTo(frank.id());
    assertThat(exported.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("type")))
        .contains("auth.login", "session.created", "access");
    HttpResponse<String> csv = call("GET", path + "?format=csv", auditor);
    assertThat(csv.headers().firstValue("Content-Type")).hasValue("text/csv; charset=utf-8");
    assertThat(csv.body()).startsWith("time,type,id,requestId,route,method,path,client,tenant,decision")
        .contains(requestId + ",app,GET,\"/app/export,me\",127.0.0.1,acme,allow");

    HttpResponse<String> erased = call("DELETE", "/admin/v1/audit/subjects/" + frank.id(), eraser);
    assertThat(erased.statusCode()).isEqualTo(204);
    assertThat(call("GET", path, auditor).statusCode()).isEqualTo(404);
    assertThat(call("DELETE", "/admin/v1/audit/subjects/" + frank.id(), eraser).statusCode()).isEqualTo(404);
    // the erasure is journaled by pseudonym only; the subject id appears nowhere in the journal
    assertThat(AuditTrail.raw(dir.resolve("data/audit"))).doesNotContain(frank.id());
    assertThat(AuditTrail.matching(dir.resolve("data/audit"), r -> r.path("type").asText()
        .equals("admin.audit-erase"))).hasSize(1);
  }

  @Test
  void anAuditorSeesOnlyTheirOwnTenant() {
    var identity = gateway.gateway().identity();
    String globexAuditor = TestGateway.await(identity.iam().blocking(() -> {
      User user = identity.iam().store().createUser("globex", "gabe", null, null, null);
      Role role = identity.iam().store().createRole("globex", "audit-reader", null, Set.of("audit:read", "audit:erase"));
      identity.iam().store().bindRole(role.id(), user.id(), null, null, null, "test", "test");
      return identity.apiTokens().create(user.id(), "audit", Set.of("audit:read", "audit:erase"), null).plaintext();
    }));
    String requestId = demoRequest("/app/acme-only");
    await().atMost(Duration.ofSeconds(10)).until(() -> call("GET", "/admin/v1/audit/events?type=access", auditor)
        .body().contains(requestId));
    assertThat(call("GET", "/admin/v1/audit/events?type=access", globexAuditor).body()).doesNotContain(requestId);
    assertThat(new JsonObject(call("GET", "/admin/v1/audit/events?subject=" + demoId, globexAuditor).body())
        .getJsonArray("events")).isEmpty();
    assertThat(call("GET", "/admin/v1/audit/subjects/" + demoId + "/export", globexAuditor).statusCode())
        .isEqualTo(404);
    assertThat(call("DELETE", "/admin/v1/audit/subjects/" + demoId, globexAuditor).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/admin/v1/audit/subjects/" + demoId + "/export", auditor).statusCode()).isEqualTo(200);
  }

  @Test
  void verifyReportsTheJournalIntact() {
    HttpResponse<String> response = call("GET", "/admin/v1/audit/verify", auditor);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject report = new JsonObject(response.body());
    assertThat(report.getBoolean("intact")).isTrue();
    assertThat(report.getString("keyFingerprint")).startsWith("SHA-256:");
    assertThat(report.getLong("records")).isPositive();
  }

  @Test
  void theLiveStreamSendsNewEventsAsTheyAreWritten() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.adminUrl("/admin/v1/audit/stream?type=access")))
        .header("Authorization", "Bearer " + auditor).build();
    HttpResponse<java.io.InputStream> stream = Https.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      assertThat(lines.readLine()).isEqualTo(": portcullis audit stream");
      CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
        try {
          String line;
          while ((line = lines.readLine()) != null) {
            if (line.startsWith("data: ") && line.contains("/app/live")) {
              return line;
            }
          }
          return null;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      // instances start publishing within about a second of a new tail: ask until one arrives
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300)).until(() -> {
        demoRequest("/app/live");
        return seen.isDone();
      });
      String data = seen.get(5, TimeUnit.SECONDS);
      assertThat(new JsonObject(data.substring(6)).getString("type")).isEqualTo("access");
    }
  }
}
