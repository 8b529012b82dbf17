package dev.portcullis.gateway.identity.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.MutableClock;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.Identity;
import io.vertx.core.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The access-request service in a real gateway (H2 store, Hazelcast member, audit journal) with a
 * clock the test moves: four eyes from holders of access-requests:approve in the tenant, never
 * the requester; deny; TTL; grants that start at the final approval and end by themselves, for
 * roles and routes; just-in-time elevation; every step journaled in the documented schema.
 */
class AccessRequestsTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static final MutableClock CLOCK = MutableClock.startingNow();
  static Role approverRole;
  static Role elevatorRole;
  static Role globexApprover;

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.of(
        "jdbc:h2:file:" + dir.resolve("iam").toAbsolutePath(), dev.portcullis.gateway.support.ForkedGateway.freePort(),
        """
          access:
            approvals: 2
            requestTtl: 1h
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
    globexApprover = blocking(() -> store().createRole("globex", "request-approver", null,
        Set.of("access-requests:approve")));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  @Test
  void aRoleNeedsTwoApproversOtherThanTheRequesterAndEndsByItself() throws Exception {
    User requester = user("acme", "req");
    User a = approver();
    User b = approver();
    User withoutPermission = user("acme", "bystander");
    User otherTenant = user("globex", "globex-approver");
    bind(globexApprover, otherTenant);
    User requesterApprover = approver(); // holds the permission, but files the request

    AccessRequest request = await(access().request(requesterApprover.id(), "role", "records-admin",
        "incident 7: fix customer records", Duration.ofHours(2), "req-1"));
    refused(access().vote(request.id(), requesterApprover.id(), "approve", null, "r"), 403, "own-request");
    refused(access().vote(request.id(), withoutPermission.id(), "approve", null, "r"), 403, "not-approver");
    refused(access().vote(request.id(), otherTenant.id(), "approve", null, "r"), 403, "not-approver");

    AccessRequest mine = await(access().request(requester.id(), "role", "records-admin", "month-end correction",
        Duration.ofHours(2), "req-2"));
    assertThat(await(access().vote(mine.id(), a.id(), "approve", "fine", "req-3")).outcome())
        .isEqualTo(AccessRequestStore.Outcome.APPROVED);
    refused(access().vote(mine.id(), a.id(), "approve", null, "r"), 409, "already-voted");
    assertThat(identity(requester).permissions()).doesNotContain("records:write");

    CLOCK.advance(Duration.ofMinutes(20));
    Instant finalApproval = CLOCK.instant();
    AccessRequestStore.VoteResult granted = await(access().vote(mine.id(), b.id(), "approve", null, "req-4"));
    assertThat(granted.outcome()).isEqualTo(AccessRequestStore.Outcome.GRANTED);
    assertThat(granted.validUntil()).isEqualTo(finalApproval.plus(Duration.ofHours(2)));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> identity(requester).roles().contains("records-admin"));
    assertThat(identity(requester).permissions()).contains("records:write");

    CLOCK.advance(Duration.ofHours(2).minusSeconds(1));
    assertThat(identity(requester).permissions()).contains("records:write");
    CLOCK.advance(Duration.ofSeconds(1));
    assertThat(identity(requester).permissions()).doesNotContain("records:write"); // ended by itself
    assertThat(identity(requester).roles()).doesNotContain("records-admin");

    String subject = pseudonym(requester);
    JsonNode filed = awaitEvent("approval.requested", e -> e.path("subject").asText().equals(subject));
    assertThat(filed.path("accessRequest").asText()).isEqualTo(mine.id());
    assertThat(filed.path("requestId").asText()).isEqualTo("req-2");
    assertThat(filed.path("tenant").asText()).isEqualTo("acme");
    assertThat(filed.path("targetType").asText()).isEqualTo("role");
    assertThat(filed.path("target").asText()).isEqualTo("records-admin");
    assertThat(filed.path("reason").asText()).isEqualTo("month-end correction");
    assertThat(filed.path("durationSeconds").asLong()).isEqualTo(7200);
    assertThat(filed.path("approvalsNeeded").asInt()).isEqualTo(2);
    List<JsonNode> votes = AuditTrail.matching(audit(), e -> e.path("type").asText().equals("approval.approved")
        && e.path("accessRequest").asText().equals(mine.id()));
    assertThat(votes).extracting(e -> e.path("approver").asText()).containsExactly(pseudonym(a), pseudonym(b));
    assertThat(votes).extracting(e -> e.path("approvals").asInt()).containsExactly(1, 2);
    JsonNode grant = awaitEvent("approval.granted", e -> e.path("accessRequest").asText().equals(mine.id()));
    assertThat(grant.path("subject").asText()).isEqualTo(subject);
    assertThat(grant.path("validUntil").asText()).isEqualTo(
        dev.portcullis.gateway.audit.AuditEventWriter.TIME.format(finalApproval.plus(Duration.ofHours(2))));
    assertThat(AuditTrail.raw(audit())).doesNotContain(requester.id(), a.id(), b.id()); // pseudonyms only
    assertSchemaValid();
  }

  @Test
  void aRouteIsGrantedAsItsSystemRoleCarryingApprovalPermission() {
    User requester = user("acme", "route-req");
    refused(access().request(requester.id(), "route", "nope", "x", Duration.ofHours(1), "r"), 400, "invalid");
    AccessRequest request = await(access().request(requester.id(), "route", "records", "quarterly audit",
        Duration.ofMinutes(45), "r"));
    await(access().vote(request.id(), approver().id(), "approve", null, "r"));
    assertThat(await(access().vote(request.id(), approver().id(), "approve", null, "r")).outcome())
        .isEqualTo(AccessRequestStore.Outcome.GRANTED);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> identity(requester).permissions()
        .contains("approval:records"));
    assertThat(identity(requester).roles()).contains("route-approval:records");
    assertThat(blocking(() -> store().rolePermissions("acme"))).containsEntry("route-approval:records",
        Set.of("approval:records"));
    CLOCK.advance(Duration.ofMinutes(45));
    assertThat(identity(requester).permissions()).doesNotContain("approval:records");
  }

  @Test
  void anApprovalOfSomeoneWhoLostThePermissionNoLongerCounts() {
    User requester = user("acme", "lapse-req");
    AccessRequest request = await(access().request(requester.id(), "role", "records-admin", "month end",
        Duration.ofHours(1), "r"));
    User leaver = approver();
    await(access().vote(request.id(), leaver.id(), "approve", null, "r"));
    // the first approver leaves the approver role before the second vote
    blocking(() -> {
      store().grantsOf(leaver.id()).forEach(g -> store().deleteBinding(g.bindingId()));
      return null;
    });
    gateway.gateway().identity().iam().userChanged(leaver.id());
    assertThat(await(access().vote(request.id(), approver().id(), "approve", null, "r")).outcome())
        .isEqualTo(AccessRequestStore.Outcome.APPROVED); // one approval counts, two are needed
    assertThat(identity(requester).permissions()).doesNotContain("records:write");
    assertThat(await(access().vote(request.id(), approver().id(), "approve", null, "r")).outcome())
        .isEqualTo(AccessRequestStore.Outcome.GRANTED);
  }

  @Test
  void anyDenyEndsTheRequestAndIsJournaled() {
    User requester = user("acme", "denied");
    AccessRequest request = await(access().request(requester.id(), "role", "records-admin", "curious",
        Duration.ofHours(1), "r"));
    await(access().vote(request.id(), approver().id(), "approve", null, "r"));
    User no = approver();
    assertThat(await(access().vote(request.id(), no.id(), "deny", "no reason given", "r")).outcome())
        .isEqualTo(AccessRequestStore.Outcome.DENIED);
    refused(access().vote(request.id(), approver().id(), "approve", null, "r"), 409, "not-pending");
    JsonNode denied = awaitEvent("approval.denied", e -> e.path("accessRequest").asText().equals(request.id()));
    assertThat(denied.path("approver").asText()).isEqualTo(pseudonym(no));
    assertThat(identity(requester).permissions()).doesNotContain("records:write");
  }

  @Test
  void aRequestNotApprovedWithinItsTtlExpiresAndItsApprovalsAreRefused() {
    User requester = user("acme", "slow");
    User a = approver();
    AccessRequest request = await(access().request(requester.id(), "role", "records-admin", "weekend work",
        Duration.ofHours(1), "r"));
    await(access().vote(request.id(), a.id(), "approve", null, "r"));
    AccessRequest other = await(access().request(requester.id(), "route", "records", "weekend work",
        Duration.ofHours(1), "r"));
    CLOCK.advance(Duration.ofHours(1));
    refused(access().vote(request.id(), approver().id(), "approve", null, "r"), 409, "expired");
    assertThat(blocking(() -> access().store().find(request.id())).orElseThrow().status())
        .isEqualTo(AccessRequest.Status.EXPIRED);
    awaitEvent("approval.expired", e -> e.path("accessRequest").asText().equals(request.id()));
    // the page's overview marks the rest of the tenant's overdue requests
    assertThat(await(access().overview(a.id())).toDecide()).extracting(p -> p.request().id())
        .doesNotContain(other.id());
    awaitEvent("approval.expired", e -> e.path("accessRequest").asText().equals(other.id()));
    assertThat(identity(requester).permissions()).doesNotContain("records:write", "approval:records");
  }

  @Test
  void anApproverWhosePermissionEndedMayNoLongerApprove() {
    User requester = user("acme", "late-approver-case");
    User temp = user("acme", "temp-approver");
    Instant now = CLOCK.instant();
    blocking(() -> store().bindRole(approverRole.id(), temp.id(), null, now, now.plus(Duration.ofMinutes(5)),
        "holiday cover", "test"));
    AccessRequest request = await(access().request(requester.id(), "role", "records-admin", "x",
        Duration.ofHours(1), "r"));
    CLOCK.advance(Duration.ofMinutes(5));
    refused(access().vote(request.id(), temp.id(), "approve", null, "r"), 403, "not-approver");
    assertThat(blocking(() -> access().store().votes(request.id()))).isEmpty();
  }

  @Test
  void badInputIsRefusedNamingEveryFieldAndStoresNothing() {
    User requester = user("acme", "typo");
    AccessRefused all = refused(access().request(requester.id(), "group", " ", "", Duration.ofHours(5), "r"), 400,
        "invalid");
    assertThat(all.fields()).containsOnlyKeys("targetType", "target", "reason", "duration");
    assertThat(refused(access().request(requester.id(), "role", "route-approval:records", "x".repeat(501),
        Duration.ofSeconds(30), "r"), 400, "invalid").fields()).containsOnlyKeys("target", "reason", "duration");
    assertThat(refused(access().request(requester.id(), "role", "no-such-role", "x", Duration.ofHours(1), "r"),
        400, "invalid").fields()).containsOnlyKeys("target");
    assertThat(refused(access().vote("", requester.id(), "maybe", "c".repeat(501), "r"), 400, "invalid").fields())
        .containsOnlyKeys("request", "decision", "comment");
    assertThat(blocking(() -> access().store().ofRequester(requester.id(), 10))).isEmpty();
  }

  @Test
  void elevationNeedsTheElevatePermissionAndEndsWithinTheRolesMaximum() {
    User user = user("acme", "oncall");
    refused(access().elevate(user.id(), "records-admin", "page from monitoring", Duration.ofMinutes(10), "r"), 403,
        "not-allowed");
    bind(elevatorRole, user);
    assertThat(refused(access().elevate(user.id(), "records-admin", "", Duration.ofMinutes(31), "r"), 400, "invalid")
        .fields()).containsOnlyKeys("reason", "duration");
    assertThat(refused(access().elevate(user.id(), "approver", "x", Duration.ofMinutes(10), "r"), 400, "invalid")
        .fields()).containsOnlyKeys("role");
    Instant now = CLOCK.instant();
    AccessRequestStore.TimedBinding binding = await(access().elevate(user.id(), "records-admin",
        "page from monitoring", Duration.ofMinutes(30), "req-e"));
    assertThat(binding.validUntil()).isEqualTo(now.plus(Duration.ofMinutes(30)));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> identity(user).permissions().contains("records:write"));
    JsonNode elevated = awaitEvent("approval.elevated", e -> e.path("subject").asText().equals(pseudonym(user)));
    assertThat(elevated.path("target").asText()).isEqualTo("records-admin");
    assertThat(elevated.path("reason").asText()).isEqualTo("page from monitoring");
    assertThat(elevated.path("durationSeconds").asLong()).isEqualTo(1800);
    assertThat(elevated.path("requestId").asText()).isEqualTo("req-e");
    CLOCK.advance(Duration.ofMinutes(30));
    assertThat(identity(user).permissions()).doesNotContain("records:write");
  }

  // ---- helpers

  private static AccessRequests access() {
    return gateway.gateway().identity().accessRequests();
  }

  private static JdbcIamStore store() {
    return gateway.gateway().identity().iam().store();
  }

  private static <T> T blocking(java.util.concurrent.Callable<T> work) {
    return TestGateway.await(gateway.gateway().identity().iam().blocking(work));
  }

  private static <T> T await(Future<T> future) {
    return TestGateway.await(future);
  }

  private static AccessRefused refused(Future<?> step, int status, String key) {
    Throwable failure = step.toCompletionStage().toCompletableFuture().handle((v, e) -> e).join();
    assertThat(failure).as("refused").isNotNull();
    Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
    assertThat(cause).isInstanceOf(AccessRefused.class);
    AccessRefused refused = (AccessRefused) cause;
    assertThat(refused.status()).as(refused.getMessage()).isEqualTo(status);
    assertThat(refused.key()).isEqualTo(key);
    return refused;
  }

  private static User user(String tenant, String name) {
    String unique = name + "-" + UUID.randomUUID().toString().substring(0, 6);
    return blocking(() -> store().createUser(tenant, unique, null, unique, null));
  }

  private static User approver() {
    User user = user("acme", "approver");
    bind(approverRole, user);
    return user;
  }

  private static void bind(Role role, User user) {
    blocking(() -> store().bindRole(role.id(), user.id(), null, null, null, "test", "test"));
    gateway.gateway().identity().iam().userChanged(user.id());
  }

  private static Identity identity(User user) {
    IdentityServices identity = gateway.gateway().identity();
    return await(identity.resolver().resolve(user.id(), Map.of("pwd", CLOCK.instant()), null));
  }

  private static String pseudonym(User user) {
    return await(gateway.gateway().identity().iam().auditPseudonym(user.id()));
  }

  private static Path audit() {
    return dir.resolve("data/audit");
  }

  private static JsonNode awaitEvent(String type, Predicate<JsonNode> match) {
    Predicate<JsonNode> all = e -> e.path("type").asText().equals(type) && match.test(e);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !AuditTrail.matching(audit(), all).isEmpty());
    return AuditTrail.matching(audit(), all).get(0);
  }

  private static void assertSchemaValid() throws Exception {
    var validator = AuditTrail.schemaValidator();
    for (JsonNode record : AuditTrail.records(audit())) {
      if (record.path("type").asText().startsWith("approval.")) {
        var result = validator.validate(new io.vertx.core.json.JsonObject(record.toString()));
        assertThat(result.getValid()).as(record + " " + result.getErrors()).isTrue();
      }
    }
  }
}
