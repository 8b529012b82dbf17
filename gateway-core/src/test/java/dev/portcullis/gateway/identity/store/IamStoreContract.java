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

  // ---- access requests (identity/access): the store's rules, on every database

  private static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z");

  /** Acme with a requester, three approvers and a role; the request store on the same database. */
  private record Access(dev.portcullis.gateway.identity.access.AccessRequestStore requests, User requester,
      User a, User b, User c, Role role) {
  }

  private Access access() {
    store.createTenant("acme", "Acme");
    return new Access(new dev.portcullis.gateway.identity.access.AccessRequestStore(database.dataSource()),
        store.createUser("acme", "req", null, null, null), store.createUser("acme", "appr-a", null, null, null),
        store.createUser("acme", "appr-b", null, null, null), store.createUser("acme", "appr-c", null, null, null),
        store.createRole("acme", "records-admin", null, Set.of("records:write")));
  }

  private static dev.portcullis.gateway.identity.access.AccessRequest file(Access x, Duration duration) {
    return x.requests().create("acme", x.requester().id(), dev.portcullis.gateway.identity.access.AccessRequest
        .TargetType.ROLE, "records-admin", "incident 42", duration, T0, T0.plus(Duration.ofHours(24)), r -> { });
  }

  private static dev.portcullis.gateway.identity.access.AccessRequestStore.VoteResult vote(Access x, String requestId,
      User approver, dev.portcullis.gateway.identity.access.Vote.Decision decision, Instant at) {
    return x.requests().vote(requestId, approver.id(), decision, "ok", 2, x.role().id(), at, r -> { });
  }

  private static void refused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, int status, String key) {
    assertThatThrownBy(call).isInstanceOfSatisfying(dev.portcullis.gateway.identity.access.AccessRefused.class, e -> {
      assertThat(e.status()).isEqualTo(status);
      assertThat(e.key()).isEqualTo(key);
    });
  }

  @Test
  void anAccessRequestNeedsTwoDistinctApproversAndTheGrantStartsAtTheFinalApproval() {
    Access x = access();
    var approve = dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE;
    var request = file(x, Duration.ofHours(2));
    assertThat(request.status()).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.PENDING);
    assertThat(x.requests().find(request.id()).orElseThrow().requesterName()).isEqualTo("req");
    refused(() -> file(x, Duration.ofHours(1)), 409, "duplicate");

    refused(() -> vote(x, request.id(), x.requester(), approve, T0.plusSeconds(60)), 403, "own-request");
    var first = vote(x, request.id(), x.a(), approve, T0.plusSeconds(60));
    assertThat(first.outcome()).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequestStore.Outcome.APPROVED);
    assertThat(first.approvals()).isEqualTo(1);
    refused(() -> vote(x, request.id(), x.a(), approve, T0.plusSeconds(90)), 409, "already-voted");
    refused(() -> vote(x, request.id(), x.a(), dev.portcullis.gateway.identity.access.Vote.Decision.DENY,
        T0.plusSeconds(90)), 409, "already-voted");
    assertThat(store.grantsOf(x.requester().id())).isEmpty();

    Instant last = T0.plus(Duration.ofHours(3)); // the duration counts from here, not from the request
    var second = vote(x, request.id(), x.b(), approve, last);
    assertThat(second.outcome()).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequestStore.Outcome.GRANTED);
    assertThat(second.approvers()).containsExactly(x.a().id(), x.b().id());
    assertThat(second.validUntil()).isEqualTo(last.plus(Duration.ofHours(2)));
    var approved = x.requests().find(request.id()).orElseThrow();
    assertThat(approved.status()).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.APPROVED);
    assertThat(approved.decidedAt()).isEqualTo(last);
    Grant grant = store.grantsOf(x.requester().id()).get(0);
    assertThat(grant.bindingId()).isEqualTo(approved.bindingId());
    assertThat(grant.roleName()).isEqualTo("records-admin");
    assertThat(grant.validFrom()).isEqualTo(last);
    assertThat(grant.validUntil()).isEqualTo(last.plus(Duration.ofHours(2)));
    assertThat(grant.activeAt(last.plus(Duration.ofHours(2)).minusMillis(1))).isTrue();
    assertThat(grant.activeAt(last.plus(Duration.ofHours(2)))).isFalse(); // it ends by itself
    // decided: no further votes
    refused(() -> vote(x, request.id(), x.c(), approve, last.plusSeconds(1)), 409, "not-pending");
    assertThat(x.requests().votes(request.id())).hasSize(2);
    assertThat(store.grantsOf(x.requester().id())).hasSize(1);
  }

  @Test
  void anyDenyEndsAnAccessRequestAndAWithdrawnOneTakesNoVotes() {
    Access x = access();
    var request = file(x, Duration.ofHours(1));
    vote(x, request.id(), x.a(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE, T0.plusSeconds(1));
    var denied = vote(x, request.id(), x.b(), dev.portcullis.gateway.identity.access.Vote.Decision.DENY,
        T0.plusSeconds(2));
    assertThat(denied.outcome()).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequestStore.Outcome.DENIED);
    assertThat(denied.request().status()).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.DENIED);
    refused(() -> vote(x, request.id(), x.c(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE,
        T0.plusSeconds(3)), 409, "not-pending");
    assertThat(store.grantsOf(x.requester().id())).isEmpty();

    var again = file(x, Duration.ofHours(1)); // a decided request does not block a new one
    refused(() -> x.requests().withdraw(again.id(), x.a().id(), T0.plusSeconds(4), r -> { }), 403, "not-yours");
    assertThat(x.requests().withdraw(again.id(), x.requester().id(), T0.plusSeconds(4), r -> { }).status())
        .isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.WITHDRAWN);
    refused(() -> vote(x, again.id(), x.a(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE,
        T0.plusSeconds(5)), 409, "not-pending");
    refused(() -> vote(x, "no-such-request", x.a(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE,
        T0.plusSeconds(5)), 404, "unknown-request");
  }

  @Test
  void anAccessRequestNotApprovedWithinItsTtlExpiresAndTakesNoMoreVotes() {
    Access x = access();
    var request = file(x, Duration.ofHours(1));
    vote(x, request.id(), x.a(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE, T0.plusSeconds(1));
    Instant late = T0.plus(Duration.ofHours(24));
    assertThat(request.statusAt(late)).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.EXPIRED);
    assertThat(x.requests().pendingInTenant("acme", late.minusMillis(1))).hasSize(1);
    assertThat(x.requests().pendingInTenant("acme", late)).isEmpty();

    var result = vote(x, request.id(), x.b(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE, late);
    assertThat(result.outcome()).isEqualTo(dev.portcullis.gateway.identity.access.AccessRequestStore.Outcome.EXPIRED);
    assertThat(x.requests().find(request.id()).orElseThrow().status())
        .isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.EXPIRED);
    assertThat(x.requests().votes(request.id())).hasSize(1); // the late vote was not recorded
    assertThat(store.grantsOf(x.requester().id())).isEmpty();
    refused(() -> vote(x, request.id(), x.c(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE, late),
        409, "not-pending");

    // expiry at read time marks each request once
    var other = x.requests().create("acme", x.a().id(), dev.portcullis.gateway.identity.access.AccessRequest.TargetType
        .ROUTE, "records", "audit", Duration.ofMinutes(30), T0, T0.plusSeconds(60), r -> { });
    java.util.List<String> marked = new java.util.ArrayList<>();
    assertThat(x.requests().expireDue("acme", T0.plusSeconds(59), r -> marked.add(r.id()))).isEmpty();
    assertThat(x.requests().expireDue("acme", T0.plusSeconds(60), r -> marked.add(r.id()))).hasSize(1);
    assertThat(x.requests().expireDue("acme", T0.plusSeconds(61), r -> marked.add(r.id()))).isEmpty();
    assertThat(marked).containsExactly(other.id());
  }

  @Test
  void aRouteRoleIsCreatedOnceWithItsApprovalPermission() {
    Access x = access();
    String id = x.requests().routeRole("acme", "records", T0);
    assertThat(x.requests().routeRole("acme", "records", T0)).isEqualTo(id);
    assertThat(store.rolePermissions("acme")).containsEntry("route-approval:records", Set.of("approval:records"));
  }

  @Test
  void whatTheStepsCallbackThrowsRollsTheStepBack() {
    Access x = access();
    var request = file(x, Duration.ofHours(1));
    vote(x, request.id(), x.a(), dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE, T0.plusSeconds(1));
    assertThatThrownBy(() -> x.requests().vote(request.id(), x.b().id(),
        dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE, null, 2, x.role().id(), T0.plusSeconds(2), r -> {
          throw new IllegalStateException("journal down");
        })).hasMessage("journal down");
    assertThat(x.requests().find(request.id()).orElseThrow().status())
        .isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.PENDING);
    assertThat(x.requests().votes(request.id())).hasSize(1);
    assertThat(store.grantsOf(x.requester().id())).isEmpty();
  }

  @Test
  void racingApprovalsFinaliseOnceAndNeverLeaveARequestStuck() throws Exception {
    Access x = access();
    var approve = dev.portcullis.gateway.identity.access.Vote.Decision.APPROVE;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 8; round++) {
        var request = x.requests().create("acme", x.requester().id(), dev.portcullis.gateway.identity.access
            .AccessRequest.TargetType.ROLE, "records-admin", "round " + round, Duration.ofHours(1), T0,
            T0.plus(Duration.ofHours(24)), r -> { });
        boolean onePrior = round % 2 == 0; // even: one approval in, two race for the last; odd: two race from none
        if (onePrior) {
          vote(x, request.id(), x.a(), approve, T0.plusSeconds(1));
        }
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.List<java.util.concurrent.Future<Object>> racing = new java.util.ArrayList<>();
        for (User approver : java.util.List.of(x.b(), x.c())) {
          racing.add(pool.submit(() -> {
            start.await();
            try {
              return vote(x, request.id(), approver, approve, T0.plusSeconds(2)).outcome();
            } catch (dev.portcullis.gateway.identity.access.AccessRefused e) {
              return e.key();
            }
          }));
        }
        java.util.List<Object> outcomes = new java.util.ArrayList<>();
        for (var f : racing) {
          outcomes.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        var granted = dev.portcullis.gateway.identity.access.AccessRequestStore.Outcome.GRANTED;
        assertThat(outcomes).as("round " + round).containsOnlyOnce(granted);
        assertThat(outcomes).as("round " + round).contains(onePrior ? "not-pending"
            : dev.portcullis.gateway.identity.access.AccessRequestStore.Outcome.APPROVED);
        assertThat(x.requests().find(request.id()).orElseThrow().status())
            .isEqualTo(dev.portcullis.gateway.identity.access.AccessRequest.Status.APPROVED);
      }
      // one binding per request, never two
      assertThat(store.grantsOf(x.requester().id())).hasSize(8);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twoIdenticalRequestsAtOnceStoreOne() throws Exception {
    Access x = access();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 6; round++) {
        String target = round % 2 == 0 ? "records-admin" : "records-admin-" + round;
        if (round % 2 == 1) {
          store.createRole("acme", target, null, Set.of("records:write"));
        }
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.List<java.util.concurrent.Future<Object>> racing = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
          racing.add(pool.submit(() -> {
            start.await();
            try {
              return x.requests().create("acme", x.requester().id(), dev.portcullis.gateway.identity.access
                  .AccessRequest.TargetType.ROLE, target, "same", Duration.ofHours(1), T0,
                  T0.plus(Duration.ofHours(24)), r -> { }).id();
            } catch (dev.portcullis.gateway.identity.access.AccessRefused e) {
              return e.key();
            }
          }));
        }
        java.util.List<Object> outcomes = new java.util.ArrayList<>();
        for (var f : racing) {
          outcomes.add(f.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertThat(outcomes).as("round " + round).containsOnlyOnce("duplicate");
        // withdraw it, so the next even round's identical request is not a duplicate of this one
        String stored = outcomes.stream().filter(o -> !"duplicate".equals(o)).findFirst().orElseThrow().toString();
        x.requests().withdraw(stored, x.requester().id(), T0, r -> { });
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
