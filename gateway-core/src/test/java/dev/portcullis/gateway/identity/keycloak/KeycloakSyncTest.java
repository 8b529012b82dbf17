package dev.portcullis.gateway.identity.keycloak;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.RoleBinding;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.AdminClient;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code identity.source: keycloak} in a real gateway (H2 store, embedded Hazelcast, audit journal)
 * against a realm played by WireMock: the mirror at start, a user disabled in Keycloak losing their
 * sessions, a timed binding's mapping removed from Keycloak after it expires, and an outage.
 */
class KeycloakSyncTest {

  static final String ADA = "0b7f5d2e-0000-4000-8000-000000000001";
  static final String BOB = "0b7f5d2e-0000-4000-8000-000000000002";
  static final String STAFF = "9c1e0000-0000-4000-8000-00000000000a";
  static final String ADMIN_TOKEN = "pcl_" + dev.portcullis.gateway.identity.Secrets.random256();

  @TempDir
  Path dir;
  RealmStub keycloak;
  TestGateway gateway;
  MutableClock clock = MutableClock.startingNow();
  final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeEach
  void realm() {
    keycloak = new RealmStub().user(ADA, "ada", true).user(BOB, "bob", true).group(STAFF, "staff", BOB)
        .role("7a000000-0000-4000-8000-0000000000a1", "journal-reader", "audit:read")
        .role("7a000000-0000-4000-8000-0000000000a2", "viewer", "records:read records:list")
        .mapUser("journal-reader", ADA).mapGroup("viewer", STAFF);
    logs.start();
    ((Logger) LoggerFactory.getLogger(KeycloakSync.class)).addAppender(logs);
  }

  @AfterEach
  void stop() {
    ((Logger) LoggerFactory.getLogger(KeycloakSync.class)).detachAppender(logs);
    if (gateway != null) {
      gateway.close();
    }
    keycloak.close();
  }

  private void startGateway() {
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(), """
          source: keycloak
          keycloak:
            url: "%s"
            realm: acme
            tenant: acme
            clientId: portcullis-sync
            clientSecret: "%s"
            refreshInterval: 10s
            timeout: 2s
        """.formatted(keycloak.url(), RealmStub.SECRET), "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "http://127.0.0.1:9" ] }
        """, Map.of(dev.portcullis.gateway.admin.AdminApi.BOOTSTRAP_ENV, ADMIN_TOKEN), clock);
  }

  private IdentityServices identity() {
    return gateway.gateway().identity();
  }

  private KeycloakSync.Round sync() {
    return TestGateway.await(identity().keycloak().sync().syncNow());
  }

  private User user(String id) {
    return TestGateway.await(identity().iam().user(id)).orElseThrow();
  }

  private List<JsonNode> events(String type) {
    return AuditTrail.matching(dir.resolve("data/audit"), r -> type.equals(r.path("type").asText()));
  }

  @Test
  void theRealmIsMirroredBeforeTheGatewayIsReadyAndADisabledUserLosesTheirSessions() throws Exception {
    keycloak.publish();
    startGateway();
    // mirrored at start (demo tenants and users are seeded too; the realm's tenant is acme)
    assertThat(user(ADA).username()).isEqualTo("ada");
    assertThat(TestGateway.await(identity().resolver().resolve(BOB, Map.of("sso", clock.instant()), null))
        .permissions()).containsExactlyInAnyOrder("records:read", "records:list");
    assertThat(identity().writeThrough()).isInstanceOf(KeycloakWriteThrough.class);
    assertThat(gateway.gateway().metrics().scrape()).contains("portcullis_keycloak_sync_up{realm=\"acme\"} 1.0");

    String session = TestGateway.await(identity().sessions().create(BOB, "acme", "bob", "sso"));
    String other = TestGateway.await(identity().sessions().create(ADA, "acme", "ada", "sso"));
    keycloak.user(BOB, "bob", false).publish();
    KeycloakSync.Round round = sync();

    assertThat(round.changes().disabled()).containsExactly(Map.entry(BOB, "disabled in Keycloak"));
    assertThat(user(BOB).active()).isFalse();
    assertThat(TestGateway.await(identity().sessions().find(session))).as("revoked on every instance").isNull();
    assertThat(TestGateway.await(identity().sessions().find(other))).isNotNull();
    assertThat(TestGateway.await(identity().resolver().resolve(BOB, Map.of("sso", clock.instant()), null))).isNull();

    String actor = identity().iam().store().existingAuditPseudonym(KeycloakSync.ACTOR).orElseThrow();
    String bob = identity().iam().store().existingAuditPseudonym(BOB).orElseThrow();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !events("session.revoked").isEmpty());
    assertThat(events("admin.user-disable")).singleElement().satisfies(e -> {
      assertThat(e.path("actor").asText()).isEqualTo(actor);
      assertThat(e.path("target").asText()).as("the user's pseudonym").isEqualTo(bob);
      assertThat(e.path("changes").path("reason").asText()).isEqualTo("disabled in Keycloak");
    });
    assertThat(events("session.revoked")).singleElement().satisfies(e -> {
      assertThat(e.path("subject").asText()).isEqualTo(bob);
      assertThat(e.path("reason").asText()).isEqualTo(KeycloakSync.REVOKE_REASON);
    });

    keycloak.users.remove(ADA);
    keycloak.roleUsers.get("journal-reader").remove(ADA);
    keycloak.user(BOB, "bob", true).publish();
    round = sync();
    assertThat(round.changes().disabled()).containsExactly(Map.entry(ADA, "deleted from Keycloak"));
    assertThat(round.changes().enabled()).containsExactly(BOB);
    assertThat(TestGateway.await(identity().sessions().find(other))).isNull();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events("session.revoked").size() == 2);
    assertThat(events("admin.user-enable")).singleElement().satisfies(e ->
        assertThat(e.path("target").asText()).isEqualTo(bob));

    var schema = AuditTrail.schemaValidator();
    for (JsonNode record : AuditTrail.records(dir.resolve("data/audit"))) {
      var result = schema.validate(new io.vertx.core.json.JsonObject(record.toString()));
      assertThat(result.getValid()).as("%s: %s", record, result.getErrors()).isTrue();
    }
    assertThat(AuditTrail.raw(dir.resolve("data/audit"))).doesNotContain(RealmStub.SECRET);
  }

  @Test
  void aTimedBindingIsWrittenToKeycloakNotImportedBackAndItsMappingRemovedWhenItExpires() {
    keycloak.publish();
    startGateway();
    Role auditor = TestGateway.await(identity().iam().blocking(() ->
        MirrorFixtures.role(gatewayDb(), "acme", "journal-reader")));
    Instant until = clock.instant().plus(Duration.ofHours(1));
    RoleBinding planned = new RoleBinding("planned", auditor.id(), BOB, null, null, until, "incident 42", "admin-1",
        clock.instant());
    // what the admin API does: write through, then store
    TestGateway.await(identity().iam().blocking(() -> {
      identity().writeThrough().bindingCreated(planned, auditor);
      return identity().iam().store().bindRole(auditor.id(), BOB, null, null, until, "incident 42", "admin-1");
    }));
    assertThat(keycloak.mappingChanges()).singleElement().asString()
        .startsWith("POST /admin/realms/acme/users/" + BOB + "/role-mappings/realm").contains("journal-reader");

    keycloak.mapUser("journal-reader", BOB).publish(); // Keycloak has the mapping now
    sync();
    assertThat(TestGateway.await(identity().iam().blocking(() -> MirrorFixtures.bindings(gatewayDb(), "acme"))))
        .as("the gateway's own mapping is not imported as Keycloak's").contains("journal-reader user:" + BOB + " admin-1")
        .doesNotContain("journal-reader user:" + BOB + " keycloak");

    clock.advance(Duration.ofMinutes(61));
    KeycloakSync.Round round = sync();
    assertThat(round.sweep().removed()).isEqualTo(1);
    assertThat(keycloak.mappingChanges()).hasSize(2).last().asString()
        .startsWith("DELETE /admin/realms/acme/users/" + BOB + "/role-mappings/realm").contains("journal-reader");
    assertThat(TestGateway.await(identity().resolver().resolve(BOB, Map.of("sso", clock.instant()), null)).roles())
        .doesNotContain("journal-reader");
    keycloak.roleUsers.get("journal-reader").remove(BOB);
    keycloak.publish();
    assertThat(sync().sweep().removed()).as("removed once").isZero();
  }

  @Test
  void theAdminApiWritesRolesToTheRealmAndAnswersKeycloaksRefusalsAsProblemsThatChangeNothing() throws Exception {
    keycloak.publish();
    startGateway();
    AdminClient admin = AdminClient.of(gateway, ADMIN_TOKEN);
    var roles = "/admin/v1/roles";
    java.util.function.Function<String, io.vertx.core.json.JsonObject> role = name -> new io.vertx.core.json.JsonObject()
        .put("tenant", "acme").put("name", name).put("permissions", new io.vertx.core.json.JsonArray().add("ledger:read"));
    java.util.function.Supplier<List<String>> localRoles = () -> admin.get(roles + "?tenant=acme").json()
        .getJsonArray("items").stream().map(r -> ((io.vertx.core.json.JsonObject) r).getString("name")).toList();

    AdminClient.Response user = admin.post("/admin/v1/users", new io.vertx.core.json.JsonObject().put("tenant", "acme")
        .put("username", "zed"));
    assertThat(user.status()).isEqualTo(409);
    assertThat(user.key()).isEqualTo("MANAGED_EXTERNALLY");
    assertThat(user.detail()).contains("managed in Keycloak");

    keycloak.server.stubFor(post(urlPathEqualTo("/admin/realms/acme/roles")).willReturn(aResponse().withStatus(201)));
    assertThat(admin.post(roles, role.apply("ledger")).status()).isEqualTo(201);
    keycloak.server.verify(postRequestedFor(urlPathEqualTo("/admin/realms/acme/roles"))
        .withRequestBody(containing("\"ledger\"")).withRequestBody(containing("ledger:read")));

    keycloak.server.stubFor(post(urlPathEqualTo("/admin/realms/acme/roles")).willReturn(RealmStub.json(409,
        new io.vertx.core.json.JsonObject().put("errorMessage", "Role with name auditing already exists"))));
    AdminClient.Response conflict = admin.post(roles, role.apply("auditing"));
    assertThat(conflict.status()).as(conflict.body()).isEqualTo(409);
    assertThat(conflict.detail()).isEqualTo("role 'auditing' already exists in Keycloak realm 'acme'");
    // its event was journaled before Keycloak answered: the journal says the change did not happen
    JsonNode attempted = events("admin.role-create").stream()
        .filter(e -> e.path("changes").path("name").asText().equals("auditing")).findFirst().orElseThrow();
    assertThat(events("admin.change-abandoned")).singleElement().satisfies(e -> {
      assertThat(e.path("target").asText()).isEqualTo(attempted.path("seq").asText());
      assertThat(e.path("targetType").asText()).isEqualTo("journal");
      assertThat(e.path("tenant").asText()).isEqualTo("acme");
      assertThat(e.path("changes").path("reason").asText()).isEqualTo("IAM_CONFLICT");
    });

    keycloak.failAdmin(401);
    AdminClient.Response refused = admin.post(roles, role.apply("reporting"));
    assertThat(refused.status()).as(refused.body()).isEqualTo(503);
    assertThat(refused.key()).isEqualTo("IAM_UNAVAILABLE");
    assertThat(refused.detail()).contains("Keycloak").doesNotContain(RealmStub.SECRET);
    AdminClient.Response binding = admin.post("/admin/v1/bindings", new io.vertx.core.json.JsonObject()
        .put("role", "viewer").put("user", ADA).put("reason", "cover"));
    assertThat(binding.status()).as(binding.body()).isEqualTo(503);
    assertThat(admin.get("/admin/v1/bindings?user=" + ADA).json().getJsonArray("items").stream()
        .map(b -> ((io.vertx.core.json.JsonObject) b).getString("role")).toList())
        .as("no local binding of a mapping Keycloak refused").doesNotContain("viewer");

    String url = keycloak.url();
    keycloak.server.stop();
    AdminClient.Response down = admin.post(roles, role.apply("exporting"));
    assertThat(down.status()).as(down.body()).isEqualTo(503);
    assertThat(down.detail()).contains("Keycloak at " + url);

    assertThat(localRoles.get()).contains("ledger").doesNotContain("auditing", "reporting", "exporting");
    assertThat(events("admin.change-abandoned")).as("one for each refused change").hasSize(4);
    var schema = AuditTrail.schemaValidator();
    for (JsonNode record : events("admin.change-abandoned")) {
      assertThat(schema.validate(new io.vertx.core.json.JsonObject(record.toString())).getValid()).isTrue();
    }
  }

  @Test
  void whenKeycloakIsDownTheGatewayStartsKeepsWhatItMirroredAndCatchesUpAtTheNextInterval() {
    keycloak.token();
    keycloak.failAdmin(503);
    startGateway(); // does not fail: the first mirror just has to wait
    assertThat(gateway.gateway().metrics().scrape()).contains("portcullis_keycloak_sync_up{realm=\"acme\"} 0.0");
    assertThat(identity().keycloak().sync().healthy()).isFalse();
    assertThat(TestGateway.await(identity().iam().user(ADA))).isEmpty();

    keycloak.publish();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> identity().keycloak().sync().healthy());
    assertThat(TestGateway.await(identity().iam().user(ADA))).as("the periodic round mirrored it")
        .get().extracting(User::username).isEqualTo("ada");

    keycloak.failAdmin(503);
    for (int i = 0; i < 3; i++) {
      assertThat(TestGateway.await(identity().keycloak().sync().syncNow().otherwiseEmpty())).isNull();
    }
    assertThat(identity().keycloak().sync().healthy()).isFalse();
    assertThat(TestGateway.await(identity().iam().user(ADA))).as("the last mirrored state stays").isPresent();
    List<String> warnings;
    synchronized (logs.list) {
      warnings = logs.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
          .map(ILoggingEvent::getFormattedMessage).toList();
    }
    assertThat(warnings).as("one warning per outage").filteredOn(m -> m.startsWith("Cannot mirror Keycloak"))
        .hasSize(2);
    assertThat(String.join("\n", warnings)).doesNotContain(RealmStub.SECRET);
  }

  /** The gateway's H2 store, opened a second time in this JVM (embedded H2 shares the open database). */
  private javax.sql.DataSource gatewayDb() {
    org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
    h2.setURL("jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath());
    return h2;
  }
}
