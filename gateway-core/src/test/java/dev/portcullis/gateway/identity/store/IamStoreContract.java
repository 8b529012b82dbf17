package dev.portcullis.gateway.identity.store;

import dev.portcullis.gateway.config.IdentityConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The IAM store's behaviour, run against every database it supports (H2 and PostgreSQL). */
abstract class IamStoreContract {

  private Database database;
  protected JdbcIamStore store;

  /** A store config on an empty database (or schema) of its own. */
  protected abstract IdentityConfig.Store emptyStore();

  @BeforeEach
  void open() {
    database = Database.open(emptyStore());
    store = new JdbcIamStore(database.dataSource(), Clock.systemUTC());
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void migratingAnUpToDateStoreAgainChangesNothing() {
    store.createTenant("acme", "Acme");
    Database.open(emptyStoreSameAsLast()).close();
    assertThat(store.tenant("acme")).isPresent();
  }

  /** The config of the store opened for this test (to open it twice). */
  protected abstract IdentityConfig.Store emptyStoreSameAsLast();

  @Test
  void usersAreFoundByIdAndByUsernameIgnoringCase() {
    store.createTenant("acme", "Acme");
    User ada = store.createUser("acme", "Ada", "ada@acme.example", "Ada L.", "$argon2id$x");
    assertThat(ada.username()).isEqualTo("ada");
    assertThat(store.userById(ada.id()).orElseThrow()).usingRecursiveComparison()
        .ignoringFields("createdAt", "updatedAt").isEqualTo(ada);
    assertThat(store.userByUsername("ADA").map(User::id)).contains(ada.id());
    assertThat(store.userByUsername("nobody")).isEmpty();
    assertThat(store.isEmpty()).isFalse();
  }

  @Test
  void aDuplicateUsernameIsAConflictAndChangesNothing() {
    store.createTenant("acme", "Acme");
    store.createTenant("globex", "Globex");
    User first = store.createUser("acme", "ada", null, null, null);
    assertThatThrownBy(() -> store.createUser("globex", "ADA", null, null, null))
        .isInstanceOfSatisfying(IamException.class, e -> {
          assertThat(e.kind()).isEqualTo(IamException.Kind.CONFLICT);
          assertThat(e.getMessage()).isEqualTo("user 'ada' already exists");
        });
    assertThat(store.userByUsername("ada").map(User::id)).contains(first.id());
  }

  @Test
  void aUserInAnUnknownTenantIsRefused() {
    assertThatThrownBy(() -> store.createUser("nowhere", "ada", null, null, null))
        .isInstanceOfSatisfying(IamException.class, e -> {
          assertThat(e.kind()).isEqualTo(IamException.Kind.NOT_FOUND);
          assertThat(e.getMessage()).contains("refers to something that does not exist");
        });
    assertThat(store.userByUsername("ada")).isEmpty();
  }

  @Test
  void grantsComeDirectlyAndThroughGroupsWithTheirWindows() {
    store.createTenant("acme", "Acme");
    User ada = store.createUser("acme", "ada", null, null, null);
    Role reader = store.createRole("acme", "reader", null, Set.of("records:read", "records:list"));
    Role writer = store.createRole("acme", "writer", null, Set.of("records:write"));
    String group = store.createGroup("acme", "staff");
    store.addGroupMember(group, ada.id());
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    store.bindRole(reader.id(), ada.id(), null, null, null, "job", "admin");
    store.bindRole(writer.id(), null, group, now.plusSeconds(3600), now.plusSeconds(7200), "on call", "admin");

    var grants = store.grantsOf(ada.id());
    assertThat(grants).hasSize(2);
    Grant read = grants.stream().filter(g -> g.roleName().equals("reader")).findFirst().orElseThrow();
    Grant write = grants.stream().filter(g -> g.roleName().equals("writer")).findFirst().orElseThrow();
    assertThat(read.permissions()).containsExactlyInAnyOrder("records:read", "records:list");
    assertThat(read.activeAt(now)).isTrue();
    assertThat(write.validFrom()).isEqualTo(now.plusSeconds(3600));
    assertThat(write.activeAt(now)).isFalse();
    assertThat(write.activeAt(now.plusSeconds(3600))).isTrue();
    assertThat(write.activeAt(now.plusSeconds(7200))).isFalse();
    assertThat(store.rolePermissions("acme")).containsEntry("writer", Set.of("records:write"));

    store.deleteBinding(read.bindingId());
    assertThat(store.grantsOf(ada.id())).extracting(Grant::roleName).containsExactly("writer");
  }

  @Test
  void badBindingsAreRefusedAndChangeNothing() {
    store.createTenant("acme", "Acme");
    User ada = store.createUser("acme", "ada", null, null, null);
    Role reader = store.createRole("acme", "reader", null, Set.of("records:read"));
    Instant now = Instant.now();
    assertThatThrownBy(() -> store.bindRole(reader.id(), null, null, null, null, "x", "y"))
        .hasMessage("a role binding names exactly one of a user and a group");
    assertThatThrownBy(() -> store.bindRole(reader.id(), ada.id(), null, now, now.minusSeconds(1), "x", "y"))
        .hasMessage("validFrom must be before validUntil");
    assertThatThrownBy(() -> store.bindRole("no-such-role", ada.id(), null, null, null, "x", "y"))
        .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.kind()).isEqualTo(IamException.Kind.NOT_FOUND));
    assertThatThrownBy(() -> store.deleteBinding("no-such-binding"))
        .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.kind()).isEqualTo(IamException.Kind.NOT_FOUND));
    assertThatThrownBy(() -> store.createRole("acme", "reader", null, Set.of()))
        .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.kind()).isEqualTo(IamException.Kind.CONFLICT));
    assertThat(store.grantsOf(ada.id())).isEmpty();
  }

  @Test
  void apiTokensAreStoredByHashAndRevokedOnce() {
    store.createTenant("acme", "Acme");
    User ada = store.createUser("acme", "ada", null, null, null);
    Instant expiry = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
    ApiToken token = store.insertToken(ada.id(), "ci", "a".repeat(64), Set.of("records:read", "records:export"),
        expiry);
    ApiToken found = store.tokenByHash("a".repeat(64)).orElseThrow();
    assertThat(found.id()).isEqualTo(token.id());
    assertThat(found.scopes()).containsExactlyInAnyOrder("records:read", "records:export");
    assertThat(found.expiresAt()).isEqualTo(expiry);
    assertThat(found.usableAt(Instant.now())).isTrue();
    Instant used = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    store.touchToken(token.id(), used);
    assertThat(store.tokenByHash("a".repeat(64)).orElseThrow().lastUsedAt()).isEqualTo(used);
    store.revokeToken(token.id());
    assertThat(store.tokenByHash("a".repeat(64)).orElseThrow().usableAt(Instant.now())).isFalse();
    assertThatThrownBy(() -> store.revokeToken(token.id()))
        .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.kind()).isEqualTo(IamException.Kind.NOT_FOUND));
    assertThatThrownBy(() -> store.insertToken(ada.id(), "dup", "a".repeat(64), Set.of(), null))
        .isInstanceOfSatisfying(IamException.class, e -> assertThat(e.kind()).isEqualTo(IamException.Kind.CONFLICT));
  }

  @Test
  void secretsAreCreatedOnceAndSharedBySubsequentCallers() {
    String first = store.secret("pseudonym-key", () -> "one");
    String second = store.secret("pseudonym-key", () -> "two");
    assertThat(first).isEqualTo("one");
    assertThat(second).isEqualTo("one");
  }

  @Test
  void anAuditPseudonymIsGivenOnceAndForgottenOnErasure() {
    String first = store.auditPseudonym("user-1", () -> "p_one");
    assertThat(store.auditPseudonym("user-1", () -> "p_two")).isEqualTo(first).isEqualTo("p_one");
    assertThat(store.auditSubject("p_one")).contains("user-1");
    assertThat(store.existingAuditPseudonym("user-1")).contains("p_one");
    assertThat(store.eraseAuditSubject("user-1")).isTrue();
    assertThat(store.auditSubject("p_one")).isEmpty();
    assertThat(store.eraseAuditSubject("user-1")).isFalse();
    assertThat(store.auditPseudonym("user-1", () -> "p_three")).isEqualTo("p_three");
  }

  @Test
  void signingKeysAreKeptInCreationOrder() {
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    store.addSigningKey(new SigningKey("k2", "{}", t.plusSeconds(10)));
    store.addSigningKey(new SigningKey("k1", "{}", t));
    assertThat(store.signingKeys()).extracting(SigningKey::kid).containsExactly("k1", "k2");
    store.deleteSigningKey("k1");
    assertThat(store.signingKeys()).extracting(SigningKey::kid).containsExactly("k2");
  }

  @Test
  void disablingAUserIsStored() {
    store.createTenant("acme", "Acme");
    User ada = store.createUser("acme", "ada", null, null, null);
    store.setStatus(ada.id(), User.Status.DISABLED);
    assertThat(store.userById(ada.id()).orElseThrow().active()).isFalse();
    assertThatThrownBy(() -> store.setStatus("missing", User.Status.ACTIVE)).hasMessage("user missing does not exist");
  }

  @Test
  void aSecondFactorIsEnrolledOnceConfirmedAndItsRecoveryCodesWorkOnce() {
    store.createTenant("acme", "Acme");
    User ada = store.createUser("acme", "ada", null, null, null);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    store.putUnconfirmedTotp(new TotpCredential(ada.id(), "sealed-1", "SHA1", 6, 30, "sign-in-1", null, now));
    // a second start replaces the unconfirmed one
    store.putUnconfirmedTotp(new TotpCredential(ada.id(), "sealed-2", "SHA256", 8, 60, "sign-in-2", null, now));
    assertThat(store.totpCredential(ada.id()).orElseThrow()).satisfies(c -> {
      assertThat(c.sealedSecret()).isEqualTo("sealed-2");
      assertThat(c.algorithm()).isEqualTo("SHA256");
      assertThat(c.digits()).isEqualTo(8);
      assertThat(c.periodSeconds()).isEqualTo(60);
      assertThat(c.startedBy()).isEqualTo("sign-in-2");
      assertThat(c.confirmed()).isFalse();
    });
    // confirming against a secret that was replaced meanwhile does nothing
    assertThat(store.confirmTotp(ada.id(), "sealed-1", java.util.Map.of("aaaa", "h1"))).isFalse();
    assertThat(store.unusedRecoveryCodes(ada.id())).isZero();
    assertThat(store.confirmTotp(ada.id(), "sealed-2", java.util.Map.of("aaaa", "h1", "bbbb", "h2"))).isTrue();
    assertThat(store.totpCredential(ada.id()).orElseThrow().confirmed()).isTrue();
    // a confirmed authenticator is not replaced by a new enrolment
    assertThatThrownBy(() -> store.putUnconfirmedTotp(new TotpCredential(ada.id(), "sealed-3", "SHA1", 6, 30, "sign-in-3", null,
        now))).isInstanceOfSatisfying(IamException.class, e -> assertThat(e.kind()).isEqualTo(IamException.Kind.CONFLICT));
    assertThat(store.totpCredential(ada.id()).orElseThrow().sealedSecret()).isEqualTo("sealed-2");

    assertThat(store.unusedRecoveryCode(ada.id(), "aaaa")).contains("h1");
    assertThat(store.useRecoveryCode(ada.id(), "aaaa")).isTrue();
    assertThat(store.useRecoveryCode(ada.id(), "aaaa")).isFalse();
    assertThat(store.unusedRecoveryCode(ada.id(), "aaaa")).isEmpty();
    assertThat(store.unusedRecoveryCodes(ada.id())).isEqualTo(1);

    Instant grace = store.mfaGraceStart(ada.id());
    assertThat(store.mfaGraceStart(ada.id())).isEqualTo(grace);
    assertThat(store.deleteSecondFactor(ada.id())).isTrue();
    assertThat(store.deleteSecondFactor(ada.id())).isFalse();
    assertThat(store.totpCredential(ada.id())).isEmpty();
    assertThat(store.unusedRecoveryCodes(ada.id())).isZero();
  }
}
