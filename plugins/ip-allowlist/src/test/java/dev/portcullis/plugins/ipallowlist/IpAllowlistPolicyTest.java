package dev.portcullis.plugins.ipallowlist;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.testkit.FakeRequest;
import dev.portcullis.plugin.testkit.PolicyHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the policy against fake requests, through the same option binding the gateway uses. */
class IpAllowlistPolicyTest {

  private final PolicyHarness<IpAllowlistConfig> harness = PolicyHarness.of(new IpAllowlistPolicyFactory())
      .network("office", "192.0.2.0/24", "2001:db8::/32")
      .network("printers", "192.0.2.200/29");

  private Decision decide(Map<String, Object> options, String client) {
    Policy policy = harness.create(options);
    return harness.evaluate(policy, FakeRequest.get("/").from(client));
  }

  private static boolean denied(Decision decision) {
    return decision instanceof Decision.Deny deny && deny.status() == 403 && deny.key().equals("IP_NOT_ALLOWED");
  }

  @ParameterizedTest(name = "{0} from {1}: {2}")
  @CsvSource(delimiter = '|', textBlock = """
      0.0.0.0/0           | 203.0.113.9       | allow
      0.0.0.0/0           | 2001:db8::1       | deny
      ::/0                | 2001:db8::1       | allow
      ::/0                | 203.0.113.9       | deny
      10.1.2.3/32         | 10.1.2.3          | allow
      10.1.2.3/32         | 10.1.2.4          | deny
      10.1.2.3            | 10.1.2.3          | allow
      2001:db8::7/128     | 2001:db8::7       | allow
      2001:db8::7/128     | 2001:db8::8       | deny
      10.0.0.0/8          | ::ffff:10.9.9.9   | allow
      10.0.0.0/8          | ::ffff:11.9.9.9   | deny
      ::ffff:10.0.0.0/104 | 10.9.9.9          | allow
      10.0.0.0/8          | 2001:db8::a00:1   | deny
      office              | 192.0.2.77        | allow
      office              | 2001:db8:1::1     | allow
      office              | 192.0.3.1         | deny
      10.0.0.0/8          | not-an-address    | deny
      10.0.0.0/8          | ''                | deny
      """)
  void allowsOnlyAddressesInsideTheAllowlist(String allow, String client, String expected) {
    Decision decision = decide(Map.of("allow", List.of(allow)), client);
    if (expected.equals("allow")) {
      assertThat(decision).isEqualTo(Decision.allow());
    } else {
      assertThat(denied(decision)).as(String.valueOf(decision)).isTrue();
    }
  }

  @Test
  void everyAddressOfASlash24IsAllowedAndItsNeighboursAreNot() {
    Policy policy = harness.create(Map.of("allow", List.of("198.51.100.0/24")));
    for (int i = 0; i < 256; i++) {
      assertThat(harness.evaluate(policy, FakeRequest.get("/").from("198.51.100." + i))).isEqualTo(Decision.allow());
    }
    assertThat(denied(harness.evaluate(policy, FakeRequest.get("/").from("198.51.101.0")))).isTrue();
    assertThat(denied(harness.evaluate(policy, FakeRequest.get("/").from("198.51.99.255")))).isTrue();
  }

  @Test
  void denyWinsOverAllow() {
    Map<String, Object> options = Map.of("allow", List.of("office"), "deny", List.of("printers", "192.0.2.66"));
    assertThat(decide(options, "192.0.2.10")).isEqualTo(Decision.allow());
    assertThat(denied(decide(options, "192.0.2.66"))).isTrue();
    assertThat(denied(decide(options, "192.0.2.203"))).isTrue();
  }

  @Test
  void headersCannotInfluenceTheDecision() {
    Policy policy = harness.create(Map.of("allow", List.of("office")));
    FakeRequest spoofed = FakeRequest.get("/").from("203.0.113.5")
        .header("X-Forwarded-For", "192.0.2.10").header("X-Real-IP", "192.0.2.10");
    assertThat(denied(harness.evaluate(policy, spoofed))).isTrue();
  }

  @Test
  void invalidOptionsAreRefusedNamingTheField() {
    assertThat(harness.problems(Map.of())).containsExactly(
        "allow: needs at least one CIDR or network name (an empty allowlist would refuse everyone)");
    assertThat(harness.problems(Map.of("allow", List.of("offce"))))
        .singleElement().asString().startsWith("allow[0]: 'offce' is not an IP address or CIDR network")
        .contains("declared: office, printers");
    assertThat(harness.problems(Map.of("allow", List.of("10.0.0.1/8")))).singleElement().asString()
        .contains("host bits set");
    assertThat(harness.problems(Map.of("allow", List.of("office"), "deny", List.of("10.0.0.0/99"))))
        .singleElement().asString().startsWith("deny[0]: ");
    assertThat(harness.problems(Map.of("allow", "office"))).containsExactly("allow: must be a list");
    assertThat(harness.problems(Map.of("allow", List.of("office"), "alow", List.of("x"))))
        .singleElement().asString().startsWith("alow: unknown option 'alow'; known options: allow, deny");
  }
}
