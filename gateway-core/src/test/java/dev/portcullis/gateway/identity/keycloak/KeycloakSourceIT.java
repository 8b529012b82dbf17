package dev.portcullis.gateway.identity.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.store.Grant;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.RoleBinding;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.KeycloakServer;
import dev.portcullis.gateway.support.TestGateway;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code identity.source: keycloak} against a real Keycloak (started from Maven Central's
 * distribution by scripts/keycloak.sh, once for the class): the realm's user, group and role with
 * permissions are mirrored; a role and bindings made through the write-through appear in Keycloak; a
 * timed binding's mapping leaves Keycloak after it expires; and a user disabled in Keycloak, signed
 * in through Keycloak's own login page, is disabled here and loses the session within the refresh
 * interval.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeycloakSourceIT {

  private static final Logger LOG = LoggerFactory.getLogger(KeycloakSourceIT.class);
  static final Duration REFRESH = Duration.ofSeconds(10);

  @TempDir
  static Path dir;
  static KeycloakServer keycloak;
  static Keycloak admin;
  static RealmResource realm;
  static Backends backends;
  static TestGateway gateway;
  static String alice;
  static String staff;

  @BeforeAll
  static void start() throws Exception {
    long started = System.nanoTime();
    keycloak = KeycloakServer.start(Files.createDirectories(dir.resolve("keycloak")));
    LOG.info("Keycloak up in {} ms", (System.nanoTime() - started) / 1_000_000);
    keycloak.createSyncClient();
    admin = keycloak.admin();
    realm = admin.realm(KeycloakServer.REALM);
    alice = realm.users().searchByUsername(KeycloakServer.USER, true).get(0).getId();
    GroupRepresentation group = new GroupRepresentation();
    group.setName("staff");
    realm.groups().add(group).close();
    staff = realm.getGroupByPath("/staff").getId();
    realm.users().get(alice).joinGroup(staff);
    RoleRepresentation auditor = new RoleRepresentation("journal-reader", "Reads the audit journal", false);
    auditor.setAttributes(Map.of(Permissions.ATTRIBUTE, List.of("audit:read audit:export")));
    realm.roles().create(auditor);
    realm.groups().group(staff).roles().realmLevel().add(List.of(realm.roles().get("journal-reader").toRepresentation()));

    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), ForkedGateway.freePort(), """
          source: keycloak
          keycloak:
            url: "%1$s"
            realm: %2$s
            tenant: acme
            clientId: %3$s
            clientSecret: "%4$s"
            refreshInterval: %5$ds
          oidc:
            - id: keycloak
              issuer: "%1$s/realms/%2$s"
              clientId: portcullis
              clientSecret: "%6$s"
              tenant: acme
        """.formatted(keycloak.url(), KeycloakServer.REALM, KeycloakServer.SYNC_CLIENT, KeycloakServer.SYNC_SECRET,
            REFRESH.toSeconds(), KeycloakServer.CLIENT_SECRET), "") + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
        """.formatted(backends.echo()));
    LOG.info("Keycloak and the gateway up in {} ms", (System.nanoTime() - started) / 1_000_000);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (backends != null) {
      backends.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (keycloak != null) {
      keycloak.close();
    }
  }

  private static IdentityServices identity() {
    return gateway.gateway().identity();
  }

  private static <T> T blocking(java.util.concurrent.Callable<T> work) {
    return TestGateway.await(identity().iam().blocking(work));
  }

  private static javax.sql.DataSource db() {
    org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
    h2.setURL("jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath());
    return h2;
  }

  private static Set<String> realmRolesOf(String userId) {
    return Set.copyOf(realm.users().get(userId).roles().realmLevel().listAll().stream()
        .map(RoleRepresentation::getName).toList());
  }

  @Test
  @Order(1)
  void theRealmsUserGroupAndRoleWithPermissionsAreMirroredAtStart() {
    User user = blocking(() -> identity().iam().store().userById(alice)).orElseThrow();
    assertThat(user.username()).isEqualTo(KeycloakServer.USER);
    assertThat(user.tenantId()).isEqualTo("acme");
    assertThat(user.email()).isEqualTo("alice@example.test");
    assertThat(user.displayName()).isEqualTo("Alice Liddell");
    assertThat(user.passwordHash()).isNull();
    assertThat(MirrorFixtures.members(db(), "acme", "staff")).containsExactly(alice);
    assertThat(MirrorFixtures.role(db(), "acme", "journal-reader").permissions())
        .containsExactlyInAnyOrder("audit:read", "audit:export");
    assertThat(MirrorFixtures.bindings(db(), "acme")).contains("journal-reader group:" + staff + " keycloak");
    List<Grant> grants = blocking(() -> identity().iam().store().grantsOf(alice));
    assertThat(grants).extracting(Grant::roleName).contains("journal-reader");
    assertThat(gateway.gateway().metrics().scrape()).contains("portcullis_keycloak_sync_up{realm=\""
        + KeycloakServer.REALM + "\"} 1.0");
  }

  @Test
  @Order(2)
  void aRoleAndABindingMadeThroughTheGatewayAreWrittenToKeycloak() {
    Role planned = new Role(null, "acme", "ops", "Runs the records service", Set.of("records:restart", "records:read"));
    // what the admin API does: write through, then store
    Role ops = blocking(() -> {
      identity().writeThrough().roleCreated(planned);
      return identity().iam().store().createRole("acme", planned.name(), planned.description(), planned.permissions());
    });
    RoleRepresentation inKeycloak = realm.roles().get("ops").toRepresentation();
    assertThat(inKeycloak.getDescription()).isEqualTo("Runs the records service");
    assertThat(inKeycloak.getAttributes().get(Permissions.ATTRIBUTE)).containsExactly("records:read records:restart");

    RoleBinding binding = blocking(() -> {
      identity().writeThrough().bindingCreated(new RoleBinding(null, ops.id(), alice, null, null, null, "on call",
          "admin-1", Instant.now()), ops);
      return identity().iam().store().bindRole(ops.id(), alice, null, null, null, "on call", "admin-1");
    });
    assertThat(realmRolesOf(alice)).contains("ops");

    TestGateway.await(identity().keycloak().sync().syncNow());
    assertThat(MirrorFixtures.bindings(db(), "acme")).as("written here, not imported back as Keycloak's")
        .contains("ops user:" + alice + " admin-1").doesNotContain("ops user:" + alice + " keycloak");

    blocking(() -> {
      identity().writeThrough().bindingDeleted(binding, ops);
      identity().iam().store().deleteBinding(binding.id());
      return null;
    });
    assertThat(realmRolesOf(alice)).doesNotContain("ops");
  }

  @Test
  @Order(3)
  void aTimedBindingsMappingLeavesKeycloakAfterItExpires() {
    Role planned = new Role(null, "acme", "oncall", "Paged at night", Set.of("pager:ack"));
    Role oncall = blocking(() -> {
      identity().writeThrough().roleCreated(planned);
      return identity().iam().store().createRole("acme", planned.name(), planned.description(), planned.permissions());
    });
    Instant until = Instant.now().plusSeconds(3);
    blocking(() -> {
      identity().writeThrough().bindingCreated(new RoleBinding(null, oncall.id(), null, staff, null, until,
          "night shift", "admin-1", Instant.now()), oncall);
      return identity().iam().store().bindRole(oncall.id(), null, staff, null, until, "night shift", "admin-1");
    });
    assertThat(realm.groups().group(staff).roles().realmLevel().listAll()).extracting(RoleRepresentation::getName)
        .contains("oncall");
    assertThat(realmRolesOf(alice)).as("direct mappings only").doesNotContain("oncall");

    long expired = System.nanoTime();
    Awaitility.await().atMost(REFRESH.multipliedBy(2).plusSeconds(10)).pollInterval(Duration.ofMillis(500))
        .until(() -> realm.groups().group(staff).roles().realmLevel().listAll().stream()
            .noneMatch(r -> r.getName().equals("oncall")));
    LOG.info("The expired binding's mapping left Keycloak {} ms after it expired",
        (System.nanoTime() - expired) / 1_000_000 - 3_000);
    assertThat(MirrorFixtures.bindings(db(), "acme")).as("the binding itself stays, expired")
        .contains("oncall group:" + staff + " admin-1");
  }

  @Test
  @Order(4)
  void aUserDisabledInKeycloakIsDisabledHereAndLosesTheSessionWithinTheRefreshInterval() throws Exception {
    Browserless browser = new Browserless(gateway.url(""));
    String authorize = browser.get("/.portcullis/oidc/keycloak/start?rd=%2Fapp%2Fhome").headers()
        .firstValue("location").orElseThrow();
    URI back = keycloak.signIn(authorize, KeycloakServer.PASSWORD);
    assertThat(back).isNotNull();
    assertThat(browser.get(back.getRawPath() + "?" + back.getRawQuery()).statusCode()).isEqualTo(303);
    HttpResponse<String> app = browser.get("/app/home");
    assertThat(app.statusCode()).as("signed in through Keycloak as the mirrored user").isEqualTo(200);

    UserRepresentation user = realm.users().get(alice).toRepresentation();
    user.setEnabled(false);
    realm.users().get(alice).update(user);
    long disabled = System.nanoTime();
    Awaitility.await().atMost(REFRESH.plusSeconds(10)).pollInterval(Duration.ofMillis(250))
        .until(() -> browser.get("/app/home").statusCode() != 200);
    long took = (System.nanoTime() - disabled) / 1_000_000;
    LOG.info("A user disabled in Keycloak lost the gateway session after {} ms (refresh interval {} s)", took,
        REFRESH.toSeconds());
    assertThat(took).isLessThanOrEqualTo(REFRESH.toMillis() + 5_000);
    assertThat(blocking(() -> identity().iam().store().userById(alice)).orElseThrow().active()).isFalse();
    Path audit = dir.resolve("data/audit");
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !AuditTrail.matching(audit,
        r -> "session.revoked".equals(r.path("type").asText())).isEmpty());
    List<JsonNode> revoked = AuditTrail.matching(audit, r -> "session.revoked".equals(r.path("type").asText()));
    assertThat(revoked).singleElement().extracting(r -> r.path("reason").asText())
        .isEqualTo(KeycloakSync.REVOKE_REASON);
    assertThat(AuditTrail.matching(audit, r -> "admin.user-disable".equals(r.path("type").asText())))
        .singleElement().extracting(r -> r.path("changes").path("reason").asText()).isEqualTo("disabled in Keycloak");
    assertThat(AuditTrail.raw(audit)).doesNotContain(KeycloakServer.SYNC_SECRET);
  }
}
