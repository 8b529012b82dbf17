package dev.portcullis.plugins.dualapproval;

import dev.portcullis.plugin.CoreAttributes;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.testkit.FakeRequest;
import dev.portcullis.plugin.testkit.PolicyHarness;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the policy against fake requests, through the gateway's option binding. */
class DualApprovalPolicyTest {

  private final PolicyHarness<DualApprovalConfig> harness = PolicyHarness.of(new DualApprovalPolicyFactory())
      .route("records");
  private final Policy policy = harness.create(Map.of());

  private static Identity user(String... permissions) {
    return new Identity("u-1", "acme", Set.of(), Set.of(permissions), Map.of("pwd", Instant.EPOCH));
  }

  @Test
  void anAnonymousRequestIsAskedToSignIn() {
    FakeRequest anonymous = FakeRequest.get("/").route("records");
    assertThat(harness.evaluate(policy, anonymous)).isEqualTo(Decision.challenge("login", "sign in first"));
    assertThat(anonymous.auditEvents()).isEmpty();
  }

  @Test
  void withoutAnApprovedRequestForThisRouteTheUserIsRefusedAndToldWhereToAsk() {
    // an approval for another route, or a mere role, does not count
    FakeRequest request = FakeRequest.get("/").route("records").identity(user("approval:other", "records:read"));
    Decision decision = harness.evaluate(policy, request);
    assertThat(decision).isEqualTo(Decision.deny(403, "APPROVAL_REQUIRED", "This route needs an access request "
        + "approved by other people. Request access at /.portcullis/access?targetType=route&target=records"));
    assertThat(request.auditEvents()).singleElement().satisfies(e -> {
      assertThat(e.name()).isEqualTo("approval-missing");
      assertThat(e.details()).isEmpty();
    });
    assertThat(request.attribute(CoreAttributes.PERMISSIONS_USED)).isNull();
  }

  @Test
  void aLiveApprovalForThisRouteAllowsAndIsRecordedAsThePermissionUsed() {
    FakeRequest request = FakeRequest.get("/").route("records").identity(user("approval:records"));
    assertThat(harness.evaluate(policy, request)).isEqualTo(Decision.allow());
    assertThat(request.attribute(CoreAttributes.PERMISSIONS_USED)).isEqualTo("approval:records");
    assertThat(request.auditEvents()).isEmpty();

    FakeRequest after = FakeRequest.get("/").route("records").identity(user("approval:records"));
    after.attribute(CoreAttributes.PERMISSIONS_USED, "records:read"); // an earlier policy's
    harness.evaluate(policy, after);
    assertThat(after.attribute(CoreAttributes.PERMISSIONS_USED)).isEqualTo("approval:records,records:read");
  }

  @Test
  void itTakesNoOptions() {
    assertThat(harness.problems(Map.of())).isEmpty();
    assertThat(harness.problems(Map.of("approvals", 1))).singleElement().asString()
        .startsWith("approvals: unknown option 'approvals'");
  }
}
