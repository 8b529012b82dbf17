package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.store.Database;
import dev.portcullis.gateway.identity.store.Grant;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Sql;
import dev.portcullis.gateway.identity.store.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The realm applied to a real IAM store (H2 here, PostgreSQL in RealmMirrorPostgresTest): what is
 * mirrored, what follows the realm, and what never does; the gateway's mappings in Keycloak.
 */
class RealmMirrorTest {

  static final String ADA = "0b7f5d2e-0000-4000-8000-000000000001";
  static final String BOB = "0b7f5d2e-0000-4000-8000-000000000002";
  static final String EVE = "0b7f5d2e-0000-4000-8000-000000000003";
  static final String STAFF = "9c1e0000-0000-4000-8000-00000000000a";
  static final String AUDITOR = "7a000000-0000-4000-8000-0000000000a1";
  static final String VIEWER = "7a000000-0000-4000-8000-0000000000a2";

  @TempDir
  Path dir;
  Database database;
  DataSource db;
  JdbcIamStore store;
  RealmMirror mirror;
  final Instant now = Instant.parse("2026-11-25T10:00:00Z");

  /** The store to mirror into: an H2 file here, PostgreSQL in RealmMirrorPostgresTest. */
  protected IdentityConfig.Store storeConfig() {
    return new IdentityConfig.Store("jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), null, null, 2, false,
        Duration.ofSeconds(30));
  }

  @BeforeEach
  void open() {
    database = Database.open(storeConfig());
    db = database.dataSource();
    store = new JdbcIamStore(db, Clock.systemUTC());
    mirror = new RealmMirror(db);
  }

  @AfterEach
  void close() {
    database.close();
  }

  static RealmSnapshot.RealmUser user(String id, String username, boolean enabled) {
    return new RealmSnapshot.RealmUser(id, username, username + "@acme.example", username + " Test", enabled);
  }

  static RealmSnapshot.RealmRole role(String id, String name, Set<String> permissions, Set<String> users,
      Set<String> groups) {
    return new RealmSnapshot.RealmRole(id, name, "role " + name, permissions, users, groups);
  }

  /** Ada and Bob; Bob in staff; auditor (audit:read) mapped to Ada; viewer (records:read) mapped to staff. */
  static RealmSnapshot realm() {
    return new RealmSnapshot(List.of(user(ADA, "Ada", true), user(BOB, "bob", true)),
        List.of(new RealmSnapshot.RealmGroup(STAFF, "staff", Set.of(BOB))),
        List.of(role(AUDITOR, "auditor", Set.of("audit:read"), Set.of(ADA), Set.of()),
            role(VIEWER, "viewer", Set.of("records:read", "records:list"), Set.of(), Set.of(STAFF))));
  }

  private static Set<String> roleNames(List<Grant> grants) {
    return Set.copyOf(grants.stream().map(Grant::roleName).toList());
  }

  @Test
  void theRealmBecomesTheTenantsUsersGroupsRolesAndBindings() {
    RealmMirror.Changes changes = mirror.apply("acme", realm(), Set.of(), now);

    assertThat(store.tenant("acme")).isPresent();
    User ada = store.userById(ADA).orElseThrow();
    assertThat(ada.username()).isEqualTo("ada");
    assertThat(ada.tenantId()).isEqualTo("acme");
    assertThat(ada.email()).isEqualTo("Ada@acme.example");
    assertThat(ada.displayName()).isEqualTo("Ada Test");
    assertThat(ada.passwordHash()).as("mirrored users sign in through Keycloak only").isNull();
    assertThat(ada.active()).isTrue();
    assertThat(MirrorFixtures.members(db, "acme", "staff")).containsExactly(BOB);
    assertThat(store.rolePermissions("acme")).containsEntry("auditor", Set.of("audit:read"))
        .containsEntry("viewer", Set.of("records:read", "records:list"));
    assertThat(MirrorFixtures.role(db, "acme", "auditor").id()).as("a role made by the sync keeps Keycloak's id")
        .isEqualTo(AUDITOR);
    assertThat(MirrorFixtures.bindings(db, "acme")).containsExactlyInAnyOrder("auditor user:" + ADA + " keycloak",
        "viewer group:" + STAFF + " keycloak");
    assertThat(roleNames(store.grantsOf(BOB))).containsExactly("viewer");
    assertThat(changes.changedUsers()).contains(ADA, BOB);
    assertThat(changes.rolesChanged()).isTrue();
    assertThat(changes.disabled()).isEmpty();
    assertThat(changes.warnings()).isEmpty();

    RealmMirror.Changes again = mirror.apply("acme", realm(), Set.of(), now);
    assertThat(again.changedUsers()).as("an unchanged realm changes nothing").isEmpty();
    assertThat(again.rolesChanged()).isFalse();
    assertThat(MirrorFixtures.bindings(db, "acme")).hasSize(2);
  }

  @Test
  void aUserDisabledOrDeletedInKeycloakIsDisabledHereAndActiveAgainWhenEnabled() {
    mirror.apply("acme", realm(), Set.of(), now);
    RealmSnapshot bobDisabledAdaGone = new RealmSnapshot(List.of(user(BOB, "bob", false)), realm().groups(),
        List.of(role(AUDITOR, "auditor", Set.of("audit:read"), Set.of(), Set.of()), realm().roles().get(1)));

    RealmMirror.Changes changes = mirror.apply("acme", bobDisabledAdaGone, Set.of(), now);
    assertThat(changes.disabled()).containsEntry(BOB, "disabled in Keycloak").containsEntry(ADA,
        "deleted from Keycloak");
    assertThat(store.userById(BOB).orElseThrow().status()).isEqualTo(User.Status.DISABLED);
    assertThat(store.userById(ADA)).as("never deleted: audit history stays resolvable").get()
        .extracting(User::status).isEqualTo(User.Status.DISABLED);
    assertThat(MirrorFixtures.bindings(db, "acme")).containsExactly("viewer group:" + STAFF + " keycloak");

    RealmMirror.Changes back = mirror.apply("acme", new RealmSnapshot(List.of(user(BOB, "bob", true)),
        realm().groups(), realm().roles()), Set.of(), now);
    assertThat(back.enabled()).containsExactly(BOB);
    assertThat(back.disabled()).as("Ada was disabled before: nothing new").isEmpty();
    assertThat(store.userById(BOB).orElseThrow().active()).isTrue();
    assertThat(store.userById(ADA).orElseThrow().active()).isFalse();
  }

  @Test
  void changedRolesAndGroupsFollowTheRealmAndRenamesKeepBindings() {
    mirror.apply("acme", realm(), Set.of(), now);
    String auditorId = MirrorFixtures.role(db, "acme", "auditor").id();
    store.bindRole(auditorId, BOB, null, null, null, "on call", "admin-1");

    RealmSnapshot changed = new RealmSnapshot(realm().users(), List.of(),
        List.of(role(AUDITOR, "audit-reader", Set.of("audit:read", "audit:export"), Set.of(ADA), Set.of())));
    RealmMirror.Changes changes = mirror.apply("acme", changed, Set.of(), now);

    assertThat(changes.rolesChanged()).isTrue();
    assertThat(store.rolePermissions("acme")).containsOnlyKeys("audit-reader")
        .containsEntry("audit-reader", Set.of("audit:read", "audit:export"));
    assertThat(MirrorFixtures.role(db, "acme", "audit-reader").id()).isEqualTo(auditorId);
    assertThat(MirrorFixtures.members(db, "acme", "staff")).as("the group is gone").isEmpty();
    assertThat(MirrorFixtures.bindings(db, "acme")).containsExactlyInAnyOrder(
        "audit-reader user:" + ADA + " keycloak", "audit-reader user:" + BOB + " admin-1");
    assertThat(changes.changedUsers()).contains(BOB);
  }

  @Test
  void bindingsGrantedInTheGatewayAreNeverRemovedOrImportedTwice() {
    mirror.apply("acme", realm(), Set.of(), now);
    String viewer = MirrorFixtures.role(db, "acme", "viewer").id();
    String auditor = MirrorFixtures.role(db, "acme", "auditor").id();
    // granted here for two hours and written to Keycloak: Keycloak now maps viewer to Ada
    store.bindRole(viewer, ADA, null, null, now.plus(Duration.ofHours(2)), "incident", "admin-1");
    new MirrorStore(db).own(viewer, Holder.user(ADA), now.plus(Duration.ofHours(2)), now);
    // a permanent grant here that Keycloak does not know of
    store.bindRole(auditor, BOB, null, null, null, "audit", "admin-1");
    RealmSnapshot withWrittenMapping = new RealmSnapshot(realm().users(), realm().groups(), List.of(
        realm().roles().get(0), role(VIEWER, "viewer", Set.of("records:read", "records:list"), Set.of(ADA),
            Set.of(STAFF))));

    mirror.apply("acme", withWrittenMapping, Set.of(), now);
    assertThat(MirrorFixtures.bindings(db, "acme")).containsExactlyInAnyOrder(
        "auditor user:" + ADA + " keycloak", "viewer group:" + STAFF + " keycloak",
        "viewer user:" + ADA + " admin-1", "auditor user:" + BOB + " admin-1");

    // the mapping is the gateway's until it is removed from Keycloak, even after the binding expired
    mirror.apply("acme", withWrittenMapping, Set.of(), now.plus(Duration.ofHours(3)));
    assertThat(MirrorFixtures.bindings(db, "acme")).doesNotContain("viewer user:" + ADA + " keycloak");
    // once the sweep has removed it, a mapping made in Keycloak itself is imported again
    new MirrorStore(db).release(viewer, Holder.user(ADA));
    mirror.apply("acme", withWrittenMapping, Set.of(), now.plus(Duration.ofHours(3)));
    assertThat(MirrorFixtures.bindings(db, "acme")).contains("viewer user:" + ADA + " keycloak",
        "viewer user:" + ADA + " admin-1");
  }

  @Test
  void theGatewaysOwnUsersAndRolesInTheTenantAreLeftAlone() {
    store.createTenant("acme", "Acme");
    User breakGlass = store.createUser("acme", "break-glass", null, "Break glass", "$argon2id$x");
    Sql.withConnection(db, "test", c -> Sql.execute(c, "role", "INSERT INTO roles (id, tenant_id, name, description, "
        + "created_at, builtin) VALUES ('builtin-1', 'acme', 'iam-admin', 'built in', ?, TRUE)", Sql.ts(now)));
    Sql.withConnection(db, "test", c -> Sql.execute(c, "role", "INSERT INTO role_permissions (role_id, permission) "
        + "VALUES ('builtin-1', 'iam:admin')"));
    RealmSnapshot realm = new RealmSnapshot(realm().users(), List.of(), List.of(
        role("kc-admin", "iam-admin", Set.of("everything:*"), Set.of(ADA), Set.of()),
        role("kc-route", "route-approval:records", Set.of("approval:records"), Set.of(ADA), Set.of())));

    RealmMirror.Changes changes = mirror.apply("acme", realm, Set.of(), now);
    mirror.apply("acme", new RealmSnapshot(List.of(), List.of(), List.of()), Set.of(), now);

    assertThat(store.userById(breakGlass.id()).orElseThrow().active()).isTrue();
    assertThat(store.rolePermissions("acme")).containsExactly(java.util.Map.entry("iam-admin", Set.of("iam:admin")));
    assertThat(changes.warnings()).containsOnlyKeys("role:kc-route", "role:kc-admin");
    assertThat(changes.warnings().get("role:kc-route")).contains("'route-approval:' belong to the gateway");
  }

  @Test
  void aKeycloakMappingOfABuiltInAdminRoleGrantsNothing() {
    store.createTenant("acme", "Acme");
    Sql.withConnection(db, "test", c -> Sql.execute(c, "role", "INSERT INTO roles (id, tenant_id, name, description, "
        + "created_at, builtin) VALUES ('builtin-1', 'acme', 'iam-admin', 'built in', ?, TRUE)", Sql.ts(now)));
    mirror.apply("acme", new RealmSnapshot(realm().users(), List.of(), List.of(
        role("kc-admin", "iam-admin", Set.of(), Set.of(ADA), Set.of()))), Set.of(), now);
    // admin roles are granted through the admin API only, as no token claim grants them
    assertThat(MirrorFixtures.bindings(db, "acme")).isEmpty();
  }

  @Test
  void aUserWhoseUsernameIsTakenIsSkippedWithAWarningAndTheRestIsMirrored() {
    store.createTenant("globex", "Globex");
    store.createUser("globex", "bob", null, "Other Bob", "$argon2id$x");

    RealmMirror.Changes changes = mirror.apply("acme", realm(), Set.of(), now);
    assertThat(store.userById(BOB)).isEmpty();
    assertThat(store.userById(ADA)).isPresent();
    assertThat(changes.warnings()).containsOnlyKeys("user:" + BOB);
    assertThat(changes.warnings().get("user:" + BOB)).contains("a local user of that username exists");
    assertThat(MirrorFixtures.bindings(db, "acme")).containsExactlyInAnyOrder("auditor user:" + ADA + " keycloak",
        "viewer group:" + STAFF + " keycloak");
  }

  @Test
  void mirroredUsersAreLinkedToTheSingleSignOnProvidersOfTheRealm() {
    mirror.apply("acme", realm(), Set.of("keycloak"), now);
    assertThat(store.userByExternalIdentity("keycloak", ADA).map(User::id)).contains(ADA);
    assertThat(store.userByExternalIdentity("keycloak", BOB).map(User::id)).contains(BOB);
    mirror.apply("acme", realm(), Set.of("keycloak"), now); // already linked: nothing to do
  }

  // ---- the gateway's mappings in Keycloak (MirrorStore, MappingSweep, KeycloakWriteThrough)

  /** A realm that records what is asked of it, and can refuse. */
  static final class RecordingRealm implements RealmWriter {
    final List<String> calls = new ArrayList<>();
    RuntimeException failure;

    @Override
    public void createRole(String name, String description, Set<String> permissions) {
      record("create " + name + " " + new java.util.TreeSet<>(permissions));
    }

    @Override
    public void updateRole(String currentName, String name, String description, Set<String> permissions) {
      record("update " + currentName + " " + name);
    }

    @Override
    public void deleteRole(String name) {
      record("delete " + name);
    }

    @Override
    public void addMapping(String roleName, Holder holder) {
      record("map " + roleName + " " + holder);
    }

    @Override
    public void removeMapping(String roleName, Holder holder) {
      record("unmap " + roleName + " " + holder);
    }

    private void record(String call) {
      if (failure != null) {
        throw failure;
      }
      calls.add(call);
    }
  }

  /** A mirrored realm, its role 'viewer', and the write-through and sweep on a clock the test moves. */
  private record Sweeping(RecordingRealm realm, MirrorStore mappings, dev.portcullis.gateway.support.MutableClock clock,
      KeycloakWriteThrough writeThrough, MappingSweep sweep, dev.portcullis.gateway.identity.store.Role viewer) {
  }

  private Sweeping sweeping() {
    mirror.apply("acme", realm(), Set.of(), now);
    RecordingRealm realm = new RecordingRealm();
    MirrorStore mappings = new MirrorStore(db);
    var clock = new dev.portcullis.gateway.support.MutableClock(now);
    return new Sweeping(realm, mappings, clock, new KeycloakWriteThrough("acme", realm, mappings, clock),
        new MappingSweep(mappings, realm), MirrorFixtures.role(db, "acme", "viewer"));
  }

  @Test
  void aTimedBindingsMappingIsWrittenAndRemovedFromKeycloakWhenItExpires() {
    Sweeping f = sweeping();
    RecordingRealm realm = f.realm();
    MirrorStore mappings = f.mappings();
    dev.portcullis.gateway.support.MutableClock clock = f.clock();
    MappingSweep sweep = f.sweep();
    var viewer = f.viewer();
    Instant until = now.plus(Duration.ofHours(1));
    var binding = new dev.portcullis.gateway.identity.store.RoleBinding("b-1", viewer.id(), ADA, null, null, until,
        "incident", "admin-1", now);

    f.writeThrough().bindingCreated(binding, viewer);
    store.bindRole(viewer.id(), ADA, null, null, until, "incident", "admin-1"); // what the admin API does next
    assertThat(realm.calls).containsExactly("map viewer user " + ADA);
    assertThat(mappings.owned("acme")).extracting(MirrorStore.Owned::validUntil).containsExactly(until);

    clock.advance(Duration.ofMinutes(59));
    assertThat(sweep.sweep("acme", clock.instant()).removed()).isZero();
    clock.advance(Duration.ofMinutes(2));
    realm.failure = new dev.portcullis.gateway.identity.store.IamException(
        dev.portcullis.gateway.identity.store.IamException.Kind.UNAVAILABLE, "Keycloak at x is unreachable: down");
    MappingSweep.Result failed = sweep.sweep("acme", clock.instant());
    assertThat(failed.removed()).isZero();
    assertThat(failed.failures().values()).singleElement().asString().contains("is not removed from Keycloak yet");
    assertThat(mappings.owned("acme")).as("tried again next round").hasSize(1);
    realm.failure = null;
    assertThat(sweep.sweep("acme", clock.instant()).removed()).isEqualTo(1);
    assertThat(realm.calls).containsExactly("map viewer user " + ADA, "unmap viewer user " + ADA);
    assertThat(mappings.owned("acme")).isEmpty();
    assertThat(sweep.sweep("acme", clock.instant()).removed()).as("idempotent").isZero();
  }

  @Test
  void aScheduledBindingsMappingIsWrittenOnlyOnceItStartsAndRemovedWhenItEnds() {
    Sweeping f = sweeping();
    RecordingRealm realm = f.realm();
    MirrorStore mappings = f.mappings();
    dev.portcullis.gateway.support.MutableClock clock = f.clock();
    MappingSweep sweep = f.sweep();
    var viewer = f.viewer();
    Instant from = now.plus(Duration.ofHours(1));
    Instant until = from.plus(Duration.ofHours(2));
    var binding = new dev.portcullis.gateway.identity.store.RoleBinding("b-1", viewer.id(), ADA, null, from, until,
        "next shift", "admin-1", now);

    f.writeThrough().bindingCreated(binding, viewer);
    store.bindRole(viewer.id(), ADA, null, from, until, "next shift", "admin-1");
    assertThat(realm.calls).as("nothing in Keycloak before the binding starts").isEmpty();
    assertThat(sweep.sweep("acme", clock.instant()).added()).isZero();

    clock.advance(Duration.ofMinutes(61));
    realm.failure = new dev.portcullis.gateway.identity.store.IamException(
        dev.portcullis.gateway.identity.store.IamException.Kind.NOT_FOUND, "role 'viewer' is not in realm 'acme'");
    assertThat(sweep.sweep("acme", clock.instant()).added()).isZero();
    assertThat(mappings.owned("acme")).as("a plain refusal wrote nothing: no record kept").isEmpty();
    realm.failure = new dev.portcullis.gateway.identity.store.IamException(
        dev.portcullis.gateway.identity.store.IamException.Kind.UNAVAILABLE, "Keycloak at x is unreachable: down");
    MappingSweep.Result failed = sweep.sweep("acme", clock.instant());
    assertThat(failed.added()).isZero();
    assertThat(failed.failures().values()).singleElement().asString().contains("is not written to Keycloak yet");
    assertThat(mappings.owned("acme")).as("kept: Keycloak may have written it, and must not import it as its own")
        .hasSize(1);
    realm.failure = null;
    assertThat(sweep.sweep("acme", clock.instant()).added()).as("written again next round").isEqualTo(1);
    assertThat(realm.calls).containsExactly("map viewer user " + ADA);
    assertThat(mappings.owned("acme")).extracting(MirrorStore.Owned::validUntil).containsExactly(until);
    assertThat(sweep.sweep("acme", clock.instant()).added()).as("written once").isZero();

    clock.advance(Duration.ofHours(2));
    assertThat(sweep.sweep("acme", clock.instant()).removed()).isEqualTo(1);
    assertThat(realm.calls).containsExactly("map viewer user " + ADA, "unmap viewer user " + ADA);
  }

  @Test
  void aMappingStaysInKeycloakWhileAnotherBindingGrantedHereNeedsItOrKeycloakHoldsItItself() {
    mirror.apply("acme", realm(), Set.of(), now);
    RecordingRealm realm = new RecordingRealm();
    MirrorStore mappings = new MirrorStore(db);
    KeycloakWriteThrough writeThrough = new KeycloakWriteThrough("acme", realm, mappings, Clock.fixed(now,
        java.time.ZoneOffset.UTC));
    var viewer = MirrorFixtures.role(db, "acme", "viewer");
    var auditor = MirrorFixtures.role(db, "acme", "auditor");
    var first = store.bindRole(viewer.id(), ADA, null, null, now.plus(Duration.ofHours(1)), "a", "admin-1");
    writeThrough.bindingCreated(first, viewer);
    var second = store.bindRole(viewer.id(), ADA, null, null, null, "b", "admin-2");
    writeThrough.bindingCreated(second, viewer);
    assertThat(mappings.owned("acme")).extracting(MirrorStore.Owned::validUntil).containsExactly((Instant) null);

    writeThrough.bindingDeleted(second, viewer);
    store.deleteBinding(second.id());
    assertThat(realm.calls).as("the first binding still needs it").doesNotContain("unmap viewer user " + ADA);
    assertThat(mappings.owned("acme")).extracting(MirrorStore.Owned::validUntil)
        .containsExactly(now.plus(Duration.ofHours(1)));
    writeThrough.bindingDeleted(first, viewer);
    store.deleteBinding(first.id());
    assertThat(realm.calls).endsWith("unmap viewer user " + ADA);
    assertThat(mappings.owned("acme")).isEmpty();

    // Ada holds auditor in Keycloak itself: a binding granted here and deleted again leaves that alone
    var extra = store.bindRole(auditor.id(), ADA, null, null, now.plus(Duration.ofHours(1)), "c", "admin-1");
    writeThrough.bindingCreated(extra, auditor);
    assertThat(mappings.owned("acme")).isEmpty();
    writeThrough.bindingDeleted(extra, auditor);
    assertThat(realm.calls).doesNotContain("unmap auditor user " + ADA);
  }

  @Test
  void rolesAndBindingsOutsideTheRealmAreNotWrittenToKeycloak() {
    mirror.apply("acme", realm(), Set.of(), now);
    store.createTenant("globex", "Globex");
    User breakGlass = store.createUser("acme", "break-glass", null, "Break glass", "$argon2id$x");
    RecordingRealm realm = new RecordingRealm();
    KeycloakWriteThrough writeThrough = new KeycloakWriteThrough("acme", realm, new MirrorStore(db),
        Clock.systemUTC());
    var viewer = MirrorFixtures.role(db, "acme", "viewer");

    writeThrough.roleCreated(new dev.portcullis.gateway.identity.store.Role(null, "globex", "x", "d", Set.of()));
    writeThrough.roleCreated(new dev.portcullis.gateway.identity.store.Role(null, "acme", "route-approval:r", "d",
        Set.of("approval:r")));
    writeThrough.bindingCreated(store.bindRole(viewer.id(), breakGlass.id(), null, null, null, "x", "admin-1"),
        viewer);
    assertThat(realm.calls).isEmpty();

    writeThrough.roleCreated(new dev.portcullis.gateway.identity.store.Role(null, "acme", "ops", "d",
        Set.of("ops:run", "ops:read")));
    assertThat(realm.calls).containsExactly("create ops [ops:read, ops:run]");
    assertThat(writeThrough.managesUsers()).isTrue();
    assertThat(writeThrough.sourceName()).isEqualTo("Keycloak");
  }

  @Test
  void aMappingWrittenForABindingThatNeverCameIsRemovedAfterAGracePeriod() {
    mirror.apply("acme", realm(), Set.of(), now);
    RecordingRealm realm = new RecordingRealm();
    MirrorStore mappings = new MirrorStore(db);
    var viewer = MirrorFixtures.role(db, "acme", "viewer");
    mappings.own(viewer.id(), Holder.user(ADA), null, now); // the admin API failed after writing to Keycloak
    MappingSweep sweep = new MappingSweep(mappings, realm);
    assertThat(sweep.sweep("acme", now.plusSeconds(60)).removed()).isZero();
    assertThat(sweep.sweep("acme", now.plus(MappingSweep.ORPHAN_GRACE).plusSeconds(1)).removed()).isEqualTo(1);
    assertThat(realm.calls).containsExactly("unmap viewer user " + ADA);
  }
}
