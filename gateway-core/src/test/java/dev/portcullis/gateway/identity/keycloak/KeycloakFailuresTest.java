package dev.portcullis.gateway.identity.keycloak;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.store.Database;
import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.RoleBinding;
import dev.portcullis.gateway.support.ForkedGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The admin client's failures against Keycloak played by WireMock: each becomes an IamException of
 * the right kind whose message says what is wrong (never the client secret), and a refused write
 * leaves the local store as it was.
 */
class KeycloakFailuresTest {

  @TempDir
  Path dir;
  RealmStub keycloak;
  KeycloakConnection connection;
  Database database;

  @BeforeEach
  void start() {
    keycloak = new RealmStub().user("u-1", "ada", true).role("r-1", "auditor", "audit:read").publish();
  }

  @AfterEach
  void stop() {
    if (connection != null) {
      connection.close();
    }
    if (database != null) {
      database.close();
    }
    keycloak.close();
  }

  private KeycloakConnection connect(IdentityConfig.Keycloak config) {
    connection = new KeycloakConnection(config);
    return connection;
  }

  private KeycloakDirectory directory() {
    return new KeycloakDirectory(connect(keycloak.config("acme", Duration.ofMinutes(1), Duration.ofSeconds(2))));
  }

  private static IamException failure(Runnable call) {
    IamException e = catchThrowableOfType(IamException.class, call::run);
    assertThat(e).as("the call should have failed").isNotNull();
    assertThat(e.getMessage()).doesNotContain(RealmStub.SECRET).doesNotContain("stub-access-token");
    return e;
  }

  @Test
  void keycloakDownIsUnavailableAndSaysWhere() {
    String url = "http://127.0.0.1:" + ForkedGateway.freePort();
    KeycloakDirectory down = new KeycloakDirectory(connect(new IdentityConfig.Keycloak(java.net.URI.create(url),
        "acme", "acme", RealmStub.CLIENT_ID, RealmStub.SECRET, null, Duration.ofMinutes(1), Duration.ofSeconds(2))));
    IamException e = failure(down::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("Keycloak at " + url + " is unreachable: connection refused");
  }

  @Test
  void aRefusedClientSecretIsUnavailableAndNamesTheClient() {
    keycloak.server.stubFor(post(urlPathEqualTo("/realms/acme/protocol/openid-connect/token")).willReturn(
        RealmStub.json(401, new JsonObject().put("error", "invalid_client")
            .put("error_description", "Invalid client or Invalid client credentials"))));
    IamException e = failure(directory()::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).startsWith("Keycloak refused the gateway's admin client credentials (client "
        + "'portcullis-sync' of realm 'acme' got HTTP 401 invalid_client from the token endpoint");
    // not retried: a wrong secret does not get better
    assertThat(keycloak.server.countRequestsMatching(com.github.tomakehurst.wiremock.client.WireMock
        .postRequestedFor(urlPathEqualTo("/realms/acme/protocol/openid-connect/token")).build()).getCount())
        .isEqualTo(1);
  }

  @Test
  void aRealmKeycloakDoesNotHaveIsUnavailableAndSaysSo() {
    keycloak.server.resetMappings();
    IamException e = failure(directory()::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("Keycloak at " + keycloak.url() + " has no realm 'acme' (HTTP 404 from its "
        + "token endpoint)");
  }

  @Test
  void anAdminCallRefusedWith401IsUnavailable() {
    keycloak.failAdmin(401);
    IamException e = failure(directory()::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("Keycloak refused the gateway's admin client credentials (HTTP 401 on the "
        + "realm's users: the access token of client 'portcullis-sync' was not accepted)");
  }

  @Test
  void anAdminCallRefusedWith403NamesTheRolesTheServiceAccountNeeds() {
    keycloak.failAdmin(403);
    IamException e = failure(directory()::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).contains("HTTP 403 on the realm's users").contains("lacks a realm-management role")
        .contains("view-users, query-groups, view-realm, manage-users, manage-realm");
  }

  @Test
  void aRoleKeycloakAlreadyHasIsAConflict() {
    keycloak.server.stubFor(post(urlPathEqualTo("/admin/realms/acme/roles")).willReturn(RealmStub.json(409,
        new JsonObject().put("errorMessage", "Role with name auditor already exists"))));
    KeycloakWriteThrough writeThrough = writeThrough(Clock.systemUTC());
    IamException e = failure(() -> writeThrough.roleCreated(new Role("x", "acme", "auditor", "d", Set.of("a:b"))));
    assertThat(e.kind()).isEqualTo(IamException.Kind.CONFLICT);
    assertThat(e.getMessage()).isEqualTo("role 'auditor' already exists in Keycloak realm 'acme'");
  }

  @Test
  void aServerErrorIsRetriedAndTheReadSucceeds() {
    keycloak.server.stubFor(get(urlPathEqualTo("/admin/realms/acme/users")).inScenario("flaky")
        .whenScenarioStateIs(Scenario.STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
    keycloak.server.stubFor(get(urlPathEqualTo("/admin/realms/acme/users")).inScenario("flaky")
        .whenScenarioStateIs("up").willReturn(RealmStub.json(200, new JsonArray().add(new JsonObject()
            .put("id", "u-1").put("username", "ada").put("enabled", true)))));
    RealmSnapshot realm = directory().read();
    assertThat(realm.users()).extracting(RealmSnapshot.RealmUser::username).containsExactly("ada");
    assertThat(realm.roles()).extracting(RealmSnapshot.RealmRole::name).containsExactly("auditor");
    keycloak.server.verify(2, getRequestedFor(urlPathEqualTo("/admin/realms/acme/users")));
  }

  @Test
  void aServerErrorThatLastsIsUnavailableAfterThreeTries() {
    keycloak.failAdmin(500);
    IamException e = failure(directory()::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("Keycloak at " + keycloak.url() + " failed: HTTP 500 on the realm's users");
    keycloak.server.verify(3, getRequestedFor(urlPathEqualTo("/admin/realms/acme/users")));
  }

  @Test
  void aKeycloakThatDoesNotAnswerInTimeIsUnreachable() {
    keycloak.server.stubFor(get(urlPathEqualTo("/admin/realms/acme/users")).willReturn(aResponse().withStatus(200)
        .withFixedDelay(3_000).withBody("[]")));
    KeycloakDirectory slow = new KeycloakDirectory(connect(keycloak.config("acme", Duration.ofMinutes(1),
        Duration.ofSeconds(1))));
    IamException e = failure(slow::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("Keycloak at " + keycloak.url() + " is unreachable: no answer within 1s");
  }

  @Test
  void afterRepeatedFailuresTheBreakerStopsCallingKeycloak() {
    keycloak.failAdmin(503);
    KeycloakDirectory directory = directory();
    failure(directory::read); // three tries
    failure(directory::read); // the fifth failed call in a row opens the breaker; the retry's next is not permitted
    int calls = keycloak.server.getAllServeEvents().size();
    IamException e = failure(directory::read);
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("Keycloak at " + keycloak.url() + " is unreachable: its last calls failed, "
        + "so the gateway is not calling it for a while (circuit breaker open)");
    assertThat(keycloak.server.getAllServeEvents()).hasSize(calls);
  }

  @Test
  void aBindingKeycloakRefusesLeavesTheLocalStoreAsItWas() {
    keycloak.server.stubFor(post(urlPathMatching("/admin/realms/acme/users/u-1/role-mappings/realm"))
        .willReturn(aResponse().withStatus(503)));
    store();
    new RealmMirror(database.dataSource()).apply("acme", directory().read(), Set.of(), Instant.now());
    Role auditor = MirrorFixtures.role(database.dataSource(), "acme", "auditor");
    KeycloakWriteThrough writeThrough = writeThrough(Clock.systemUTC());
    RoleBinding timed = new RoleBinding("b-1", auditor.id(), "u-1", null, null, Instant.now().plusSeconds(3600),
        "audit", "admin-1", Instant.now());
    IamException e = failure(() -> writeThrough.bindingCreated(timed, auditor));
    assertThat(e.kind()).isEqualTo(IamException.Kind.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("Keycloak at " + keycloak.url() + " failed: HTTP 503 on user u-1");
    // a 503 may come after Keycloak made the change: the gateway's record of the mapping stays, so that the
    // mirror never imports it as Keycloak's own, and the sweep removes it (no binding needs it) after the grace
    assertThat(new MirrorStore(database.dataSource()).owned("acme")).singleElement()
        .satisfies(o -> assertThat(o.roleName()).isEqualTo("auditor"));
  }

  private JdbcIamStore store() {
    database = Database.open(new IdentityConfig.Store("jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), null,
        null, 2, false, Duration.ofSeconds(30)));
    return new JdbcIamStore(database.dataSource(), Clock.systemUTC());
  }

  private KeycloakWriteThrough writeThrough(Clock clock) {
    if (database == null) {
      store();
    }
    KeycloakConnection c = connection != null ? connection
        : connect(keycloak.config("acme", Duration.ofMinutes(1), Duration.ofSeconds(2)));
    return new KeycloakWriteThrough("acme", new KeycloakRoles(c), new MirrorStore(database.dataSource()), clock);
  }
}
