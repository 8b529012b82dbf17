package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.identity.token.ApiTokens;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every decision and sign-in, journaled by a real gateway over TLS with its H2 store and Hazelcast member. */
class AuditPipelineTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static Path journal;

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%1$s" ] }
            authentication: required
          - id: denied
            match: { pathPrefix: /denied }
            upstream: { targets: [ "%1$s" ] }
            authentication: optional
            policies:
              - test-decision: { decision: deny }
          - id: shadowed
            match: { pathPrefix: /shadowed }
            upstream: { targets: [ "%1$s" ] }
            authentication: optional
            policies:
              - test-decision: { decision: allow, audit: checked-thing, permissions: "records:read,records:list" }
              - test-decision: { decision: deny, permissions: "shadow:ignored,Not A Permission" }
                mode: shadow
              - test-decision: { decision: allow, permissions: "records:read,exports:run" }
          - id: small
            match: { pathPrefix: /small }
            upstream: { targets: [ "%1$s" ] }
            maxBodySize: 16
            public: true
          - id: down
            match: { pathPrefix: /down }
            upstream: { targets: [ "http://127.0.0.1:%2$d" ] }
            public: true
          - id: synced-note
            match: { pathPrefix: /synced-note }
            upstream: { targets: [ "%1$s" ] }
            authentication: optional
            audit: { durability: sync }
            policies:
              - test-decision: { decision: allow, audit: synced-note }
          - id: synced
            match: { pathPrefix: /synced }
            upstream: { targets: [ "%1$s" ] }
            public: true
            audit: { durability: sync }
        """.formatted(echo, Backends.closedPort()));
    journal = dir.resolve("data/audit");
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static JdbcIamStore store() {
    return gateway.gateway().identity().iam().store();
  }

  private static JsonNode one(String type, String requestId) {
    return await().atMost(Duration.ofSeconds(10)).until(() -> AuditTrail.matching(journal,
        r -> r.path("type").asText().equals(type) && requestId.equals(r.path("requestId").asText(null))),
        list -> list.size() == 1).get(0);
  }

  @Test
  void anAllowedRequestIsJournaledWithAPseudonymBeforeItIsForwarded() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    HttpResponse<String> login = browser.login("demo", "portcullis-demo", "/app");
    assertThat(login.statusCode()).isEqualTo(303);
    HttpResponse<String> response = browser.get("/app/records?secret-query=1");
    assertThat(response.statusCode()).isEqualTo(200);
    String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();

    JsonNode event = one("access", requestId);
    String demoId = store().userByUsername("demo").orElseThrow().id();
    assertThat(event.get("v").asInt()).isEqualTo(1);
    assertThat(event.get("route").asText()).isEqualTo("app");
    assertThat(event.get("method").asText()).isEqualTo("GET");
    assertThat(event.get("path").asText()).isEqualTo("/app/records");
    assertThat(event.get("client").asText()).isEqualTo("127.0.0.1");
    assertThat(event.get("tenant").asText()).isEqualTo("acme");
    assertThat(event.get("authMethod").asText()).isEqualTo("session");
    assertThat(event.get("decision").asText()).isEqualTo("allow");
    assertThat(event.get("latencyMs").asDouble()).isPositive();
    String pseudonym = event.get("subject").asText();
    assertThat(pseudonym).startsWith("p_").isNotEqualTo(demoId);
    assertThat(store().auditSubject(pseudonym)).contains(demoId);

    List<JsonNode> signIns = AuditTrail.matching(journal, r -> r.path("type").asText().equals("auth.login")
        && pseudonym.equals(r.path("subject").asText()));
    assertThat(signIns).isNotEmpty();
    assertThat(signIns.get(0).get("method").asText()).isEqualTo("pwd");
    assertThat(AuditTrail.matching(journal, r -> r.path("type").asText().equals("session.created")
        && pseudonym.equals(r.path("subject").asText()))).isNotEmpty();
  }

  @Test
  void anAllowRecordsThePermissionsItWasAllowedBy() {
    HttpResponse<String> response = Https.get(Https.client(), gateway.url("/shadowed/x"));
    JsonNode event = await().atMost(Duration.ofSeconds(10)).until(() -> AuditTrail.matching(journal,
        r -> r.path("type").asText().equals("access") && r.path("decision").asText().equals("allow")
            && response.headers().firstValue("X-Request-Id").orElseThrow().equals(r.path("requestId").asText())),
        list -> list.size() == 1).get(0);
    // merged over the chain, deduplicated and sorted; the shadow policy's ignored
    assertThat(event.get("permissions").asText()).isEqualTo("exports:run,records:list,records:read");
    // the shadow policy's would-be refusal carries none
    assertThat(AuditTrail.matching(journal, r -> r.path("decision").asText().equals("shadow")
        && r.path("requestId").asText().equals(event.get("requestId").asText())).get(0).has("permissions")).isFalse();
  }

  @Test
  void aRefusalNamesThePolicyAndKey() {
    HttpResponse<String> response = Https.get(Https.client(), gateway.url("/denied/x"));
    assertThat(response.statusCode()).isEqualTo(403);
    JsonNode event = one("access", response.headers().firstValue("X-Request-Id").orElseThrow());
    assertThat(event.get("decision").asText()).isEqualTo("deny");
    assertThat(event.get("policy").asText()).isEqualTo("test-decision");
    assertThat(event.get("key").asText()).isEqualTo("TEST_DENIED");
    assertThat(event.get("status").asInt()).isEqualTo(403);
    assertThat(event.get("authMethod").asText()).isEqualTo("anonymous");
    assertThat(event.has("subject")).isFalse();
  }

  @Test
  void aRequestNoRouteMatchesIsJournaledAsDenied() {
    HttpResponse<String> response = Https.get(Https.client(), gateway.url("/nowhere"));
    assertThat(response.statusCode()).isEqualTo(404);
    JsonNode event = one("access", response.headers().firstValue("X-Request-Id").orElseThrow());
    assertThat(event.get("decision").asText()).isEqualTo("deny");
    assertThat(event.has("route")).isFalse();
    assertThat(event.get("status").asInt()).isEqualTo(404);
  }

  @Test
  void shadowOutcomesAndPluginEventsAreJournaledBesideTheDecision() {
    HttpResponse<String> response = Https.get(Https.client(), gateway.url("/shadowed/x"));
    assertThat(response.statusCode()).isEqualTo(200);
    String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
    List<JsonNode> access = await().atMost(Duration.ofSeconds(10)).until(() -> AuditTrail.matching(journal,
        r -> r.path("type").asText().equals("access") && requestId.equals(r.path("requestId").asText())),
        list -> list.size() == 2);
    assertThat(access).extracting(r -> r.get("decision").asText()).containsExactlyInAnyOrder("allow", "shadow");
    JsonNode shadow = access.stream().filter(r -> r.get("decision").asText().equals("shadow")).findFirst().orElseThrow();
    assertThat(shadow.get("wouldBe").asText()).isEqualTo("deny");
    assertThat(shadow.get("key").asText()).isEqualTo("TEST_DENIED");
    JsonNode plugin = one("plugin.test-decision.checked-thing", requestId);
    assertThat(plugin.get("route").asText()).isEqualTo("shadowed");
    assertThat(plugin.get("details").get("decision").asText()).isEqualTo("allow");
  }

  @Test
  void aSyncRouteAnswersAfterItsEventIsOnDisk() {
    HttpResponse<String> response = Https.get(Https.client(), gateway.url("/synced/x"));
    assertThat(response.statusCode()).isEqualTo(200);
    // the response came after the fsync, so the event is in the file already: no waiting
    String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(AuditTrail.matching(journal, r -> requestId.equals(r.path("requestId").asText()))).hasSize(1);
  }

  @Test
  void aRequestAllowedThenStoppedOnItsWayGetsASecondEvent() {
    HttpResponse<String> tooBig = Https.send(Https.client(), HttpRequest.newBuilder(URI.create(gateway.url("/small/x")))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(1024))).build());
    assertThat(tooBig.statusCode()).isEqualTo(413);
    String bigId = tooBig.headers().firstValue("X-Request-Id").orElseThrow();
    List<JsonNode> big = await().atMost(Duration.ofSeconds(10)).until(() -> AuditTrail.matching(journal,
        r -> bigId.equals(r.path("requestId").asText())), l -> l.size() == 2);
    assertThat(big).extracting(r -> r.get("decision").asText()).containsExactly("allow", "deny");
    assertThat(big.get(1).get("key").asText()).isEqualTo("BODY_TOO_LARGE");
    assertThat(big.get(1).get("status").asInt()).isEqualTo(413);

    HttpResponse<String> down = Https.get(Https.client(), gateway.url("/down/x"));
    assertThat(down.statusCode()).isEqualTo(502);
    String downId = down.headers().firstValue("X-Request-Id").orElseThrow();
    List<JsonNode> failed = await().atMost(Duration.ofSeconds(10)).until(() -> AuditTrail.matching(journal,
        r -> downId.equals(r.path("requestId").asText())), l -> l.size() == 2);
    assertThat(failed).extracting(r -> r.get("decision").asText()).containsExactly("allow", "error");
    assertThat(failed.get(1).get("key").asText()).startsWith("UPSTREAM_");
  }

  @Test
  void onASyncRouteTheDecisionAndItsPluginEventsAreOnDiskBeforeTheResponse() {
    HttpResponse<String> response = Https.get(Https.client(), gateway.url("/synced-note/x"));
    assertThat(response.statusCode()).isEqualTo(200);
    String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
    assertThat(AuditTrail.matching(journal, r -> requestId.equals(r.path("requestId").asText())))
        .extracting(r -> r.get("type").asText())
        .containsExactly("plugin.test-decision.synced-note", "access"); // notes first, the decision last
  }

  @Test
  void erasingASubjectUnlinksTheirEventsButKeepsTheChainIntact() throws Exception {
    User erin = TestGateway.await(gateway.gateway().identity().iam().blocking(() -> store().createUser("acme",
        "erin", "erin@acme.example", "Erin", gateway.gateway().identity().hasher().hash("erin-long-password"))));
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("erin", "erin-long-password", "/app");
    String first = one("access", browser.get("/app/a").headers().firstValue("X-Request-Id").orElseThrow())
        .get("subject").asText();
    assertThat(store().auditSubject(first)).contains(erin.id());

    assertThat(TestGateway.await(gateway.gateway().identity().iam().eraseAuditSubject(erin.id()))).isTrue();
    assertThat(store().auditSubject(first)).isEmpty();
    // the cache is cleared through the cluster topic; a later event gets an unrelated pseudonym
    String second = await().atMost(Duration.ofSeconds(10)).until(() -> one("access",
        browser.get("/app/b").headers().firstValue("X-Request-Id").orElseThrow()).get("subject").asText(),
        s -> !s.equals(first));
    assertThat(store().auditSubject(second)).contains(erin.id());
    assertThat(AuditTrail.matching(journal, r -> first.equals(r.path("subject").asText()))).isNotEmpty();
    assertThat(AuditTrail.verify(dir.resolve("data")).problems()).isEmpty();
  }

  @Test
  void noSecretReachesTheJournal() throws Exception {
    String wrongPassword = "Wr0ng-but-secret-" + System.nanoTime();
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("demo", wrongPassword, "/app");
    browser.login(wrongPassword, "portcullis-demo", "/app"); // a password typed into the username field
    browser.login("demo", "portcullis-demo", "/app");
    String session = browser.cookies().get("__Host-portcullis");
    assertThat(session).isNotNull();
    String csrf = browser.loginPage("/app");
    String demoId = store().userByUsername("demo").orElseThrow().id();
    ApiTokens.Created token = TestGateway.await(gateway.gateway().identity().iam().blocking(() ->
        gateway.gateway().identity().apiTokens().create(demoId, "audit-test", Set.of(), null)));
    HttpResponse<String> withToken = Https.send(Https.client(), HttpRequest.newBuilder(URI.create(gateway.url("/app/t")))
        .header("Authorization", "Bearer " + token.plaintext()).build());
    assertThat(withToken.statusCode()).isEqualTo(200);
    HttpResponse<String> badToken = Https.send(Https.client(), HttpRequest.newBuilder(URI.create(gateway.url("/app/t")))
        .header("Authorization", "Bearer pcl_not-a-real-token-" + wrongPassword).build());
    assertThat(badToken.statusCode()).isEqualTo(401);
    one("access", withToken.headers().firstValue("X-Request-Id").orElseThrow());
    one("access", badToken.headers().firstValue("X-Request-Id").orElseThrow());

    String all = AuditTrail.raw(journal);
    for (String secret : List.of(wrongPassword, "portcullis-demo", session, csrf, token.plaintext(),
        token.token().tokenHash())) {
      assertThat(all).doesNotContain(secret);
    }
    assertThat(AuditTrail.matching(journal, r -> r.path("type").asText().equals("auth.failure"))).isNotEmpty();
  }

  @Test
  void everyRecordMatchesTheDocumentedSchema() throws Exception {
    new Browserless(gateway.url("")).login("demo", "not-the-password", "/app");
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("demo", "portcullis-demo", "/app");
    browser.get("/app/x");
    Https.get(Https.client(), gateway.url("/denied/x"));
    String last = Https.get(Https.client(), gateway.url("/shadowed/x")).headers().firstValue("X-Request-Id")
        .orElseThrow();
    one("plugin.test-decision.checked-thing", last);

    io.vertx.json.schema.Validator validator = AuditTrail.schemaValidator();
    List<JsonNode> records = AuditTrail.records(journal);
    assertThat(records).extracting(r -> r.get("type").asText())
        .contains("access", "auth.login", "auth.failure", "session.created", "plugin.test-decision.checked-thing");
    for (JsonNode record : records) {
      io.vertx.json.schema.OutputUnit result = validator.validate(new io.vertx.core.json.JsonObject(record.toString()));
      assertThat(result.getValid()).as("%s: %s", record, result.getErrors()).isTrue();
    }
    // and the schema is not a rubber stamp
    assertThat(validator.validate(new io.vertx.core.json.JsonObject(records.get(0).toString()).put("password", "x"))
        .getValid()).isFalse();
  }
}
