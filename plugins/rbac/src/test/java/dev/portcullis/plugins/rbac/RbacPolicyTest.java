package dev.portcullis.plugins.rbac;

import dev.portcullis.plugin.CoreAttributes;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.audit.PluginEvent;
import dev.portcullis.plugin.testkit.FakeRequest;
import dev.portcullis.plugin.testkit.PolicyHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the policy against fake requests, through the gateway's option binding. */
class RbacPolicyTest {

  private static final Decision LOGIN = Decision.challenge("login", "sign in first");
  private static final Decision MISSING = Decision.deny(403, "PERMISSION_MISSING",
      "your account lacks a permission this route needs");
  private static final String NOT_A_PERMISSION = "is not a permission (resource:action, lower case, no wildcards)";

  private final PolicyHarness<RbacConfig> harness = PolicyHarness.of(new RbacPolicyFactory());

  private static Identity holding(String... permissions) {
    return new Identity("u-1", "acme", Set.of("some-role"), Set.of(permissions), Map.of());
  }

  private static FakeRequest as(Identity identity) {
    return FakeRequest.get("/records/1").identity(identity);
  }

  @Test
  void anAnonymousRequestIsAskedToSignIn() {
    FakeRequest anonymous = FakeRequest.get("/records/1");
    assertThat(harness.evaluate(harness.create(Map.of("allOf", List.of("records:read"))), anonymous))
        .isEqualTo(LOGIN);
    assertThat(harness.evaluate(harness.create(Map.of("anyOf", List.of("records:read"))), anonymous))
        .isEqualTo(LOGIN);
    assertThat(anonymous.attribute(CoreAttributes.PERMISSIONS_USED)).isNull();
    assertThat(anonymous.auditEvents()).isEmpty();
  }

  @Test
  void allOfAllowsWhenEveryPermissionIsHeldAndRecordsThemAllSorted() {
    Policy policy = harness.create(Map.of("allOf", List.of("records:write", "records:read")));
    FakeRequest request = as(holding("records:read", "records:write", "billing:read"));
    assertThat(harness.evaluate(policy, request)).isEqualTo(Decision.allow());
    assertThat(request.attribute(CoreAttributes.PERMISSIONS_USED)).isEqualTo("records:read,records:write");
    assertThat(request.auditEvents()).isEmpty();
  }

  @Test
  void allOfDeniesWhenOneIsMissingAndJournalsWhichButDoesNotTellTheClient() {
    Policy policy = harness.create(Map.of("allOf", List.of("records:write", "records:read", "records:admin")));
    FakeRequest request = as(holding("records:read"));
    Decision decision = harness.evaluate(policy, request);
    assertThat(decision).isEqualTo(MISSING);
    assertThat(((Decision.Deny) decision).message()).doesNotContain("records");
    assertThat(request.attribute(CoreAttributes.PERMISSIONS_USED)).isNull();
    assertThat(request.auditEvents()).containsExactly(new PluginEvent("permission-missing",
        Map.of("missing", "records:admin,records:write", "rule", "allOf")));
  }

  @Test
  void anyOfAllowsWithOneHeldPermissionAndRecordsOnlyTheHeldOnes() {
    Policy policy = harness.create(Map.of("anyOf", List.of("records:read", "records:admin", "audit:read")));
    FakeRequest one = as(holding("records:read", "billing:read"));
    assertThat(harness.evaluate(policy, one)).isEqualTo(Decision.allow());
    assertThat(one.attribute(CoreAttributes.PERMISSIONS_USED)).isEqualTo("records:read");

    FakeRequest two = as(holding("records:read", "audit:read"));
    assertThat(harness.evaluate(policy, two)).isEqualTo(Decision.allow());
    assertThat(two.attribute(CoreAttributes.PERMISSIONS_USED)).isEqualTo("audit:read,records:read");
    assertThat(two.auditEvents()).isEmpty();
  }

  @Test
  void anyOfDeniesWhenNoneIsHeldAndJournalsThemAll() {
    Policy policy = harness.create(Map.of("anyOf", List.of("records:write", "records:admin")));
    FakeRequest request = as(holding("records:read"));
    assertThat(harness.evaluate(policy, request)).isEqualTo(MISSING);
    assertThat(request.auditEvents()).containsExactly(new PluginEvent("permission-missing",
        Map.of("missing", "records:admin,records:write", "rule", "anyOf")));
  }

  @Test
  void anIdentityWithoutPermissionsIsDenied() {
    FakeRequest request = as(new Identity("u-2", null, Set.of(), Set.of(), Map.of()));
    assertThat(harness.evaluate(harness.create(Map.of("anyOf", List.of("records:read"))), request))
        .isEqualTo(MISSING);
    assertThat(request.auditEvents()).singleElement().extracting(PluginEvent::details)
        .isEqualTo(Map.of("missing", "records:read", "rule", "anyOf"));
  }

  @Test
  void nothingIsImplicitHeldWildcardsAndNearMissesGrantNothing() {
    Policy policy = harness.create(Map.of("allOf", List.of("records:write")));
    for (String held : List.of("records:*", "*:*", "*", "records", "records:write ", "Records:Write",
        "records:write-all", "records:writ", "records.sub:write")) {
      assertThat(harness.evaluate(policy, as(holding(held)))).as(held).isEqualTo(MISSING);
    }
    assertThat(harness.evaluate(policy, as(holding("records:write")))).isEqualTo(Decision.allow());
  }

  @Test
  void aLongListOfMissingPermissionsIsCutToFitTheJournalWithACount() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add("resource-%02d:action".formatted(i));
    }
    FakeRequest request = as(holding());
    assertThat(harness.evaluate(harness.create(Map.of("allOf", many)), request)).isEqualTo(MISSING);
    // 13 names of 18 characters and 12 commas, then ",+27 more": 255 characters; a 14th would make 274
    assertThat(request.auditEvents().get(0).details().get("missing"))
        .isEqualTo(String.join(",", many.subList(0, 13)) + ",+27 more");
  }

  @Test
  void theLongestPermissionsFitTheJournalToo() {
    String longest = "r" + "x".repeat(63) + ":a" + "y".repeat(63);
    List<String> listed = List.of(longest, longest.replace('r', 's'), longest.replace('r', 't'));
    FakeRequest request = as(holding());
    assertThat(harness.evaluate(harness.create(Map.of("anyOf", listed)), request)).isEqualTo(MISSING);
    assertThat(request.auditEvents().get(0).details().get("missing")).isEqualTo(longest + ",+2 more");
  }

  @ParameterizedTest(name = "{0} is a permission")
  @ValueSource(strings = {"records:read", "a:b", "records.eu-1:read_all", "r2:x9", "a.b_c-d:e.f_g-h"})
  void permissionsAreResourceColonActionInLowerCase(String permission) {
    assertThat(harness.problems(Map.of("allOf", List.of(permission)))).isEmpty();
    assertThat(harness.problems(Map.of("anyOf", List.of(permission)))).isEmpty();
  }

  @ParameterizedTest(name = "{0} is not a permission")
  @ValueSource(strings = {"records:*", "*:read", "*", "records", "records:", ":read", "Records:read",
      "records:READ", "records:read:all", "records read", " records:read", "1records:read", "records:-read",
      "records/x:read"})
  void anythingElseIsRefusedNamingTheIndex(String permission) {
    assertThat(harness.problems(Map.of("allOf", List.of("records:read", permission))))
        .containsExactly("allOf[1]: '" + permission + "' " + NOT_A_PERMISSION);
    assertThat(harness.problems(Map.of("anyOf", List.of(permission))))
        .containsExactly("anyOf[0]: '" + permission + "' " + NOT_A_PERMISSION);
  }

  @Test
  void partsLongerThan64CharactersAreRefused() {
    String resource = "r" + "x".repeat(64);
    assertThat(harness.problems(Map.of("allOf", List.of(resource + ":read"))))
        .containsExactly("allOf[0]: '" + resource + ":read' " + NOT_A_PERMISSION);
    assertThat(harness.problems(Map.of("allOf", List.of("records:a" + "y".repeat(64)))))
        .singleElement().asString().startsWith("allOf[0]: 'records:ayyy");
  }

  @Test
  void exactlyOneOfAllOfAndAnyOfIsGiven() {
    assertThat(harness.problems(Map.of())).containsExactly("allOf: give exactly one of allOf and anyOf");
    assertThat(harness.problems(Map.of("allOf", List.of("records:read"), "anyOf", List.of("records:write"))))
        .containsExactly("allOf: give exactly one of allOf and anyOf");
  }

  @Test
  void invalidOptionsAreRefusedNamingTheField() {
    assertThat(harness.problems(Map.of("allOf", List.of()))).containsExactly("allOf: needs at least one permission");
    assertThat(harness.problems(Map.of("anyOf", List.of()))).containsExactly("anyOf: needs at least one permission");
    assertThat(harness.problems(Map.of("allOf", List.of("records:read", " "))))
        .containsExactly("allOf[1]: must not be empty");
    assertThat(harness.problems(Map.of("anyOf", List.of("records:read", "records:write", "records:read"))))
        .containsExactly("anyOf[2]: 'records:read' is listed twice");
    assertThat(harness.problems(Map.of("allOf", "records:read"))).containsExactly("allOf: must be a list");
    assertThat(harness.problems(Map.of("anyOf", "records:read"))).containsExactly("anyOf: must be a list");
    assertThat(harness.problems(Map.of("anyOf", List.of("records:read"), "oneOf", List.of("records:read"))))
        .singleElement().asString().startsWith("oneOf: unknown option 'oneOf'; known options: allOf, anyOf");
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    assertThat(harness.problems(Map.of("allOf", List.of("records:*", "records:read", "", "x"))))
        .containsExactly(
            "allOf[0]: 'records:*' " + NOT_A_PERMISSION,
            "allOf[2]: must not be empty",
            "allOf[3]: 'x' " + NOT_A_PERMISSION);
  }

  @Test
  void theOptionsAreDocumented() {
    assertThat(new RbacPolicyFactory().options()).extracting(o -> o.name() + "=" + o.defaultValue())
        .containsExactly("allOf=null", "anyOf=null");
    assertThat(new RbacPolicyFactory().id()).isEqualTo("rbac");
  }
}
