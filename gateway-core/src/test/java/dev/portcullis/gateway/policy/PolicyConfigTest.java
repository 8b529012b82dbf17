package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.ConfigProblem;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.InvalidConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Policy entries in the configuration: every mistake is named with route, policy, option and line. */
class PolicyConfigTest {

  @TempDir
  Path dir;

  private static String route(String policies) {
    return """
        networks:
          office: [ 192.0.2.0/24, "2001:db8::/32" ]
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "http://127.0.0.1:9001" ] }
            policies:
        """ + policies;
  }

  private GatewayConfig parse(String yaml) throws InvalidConfigException {
    return ConfigLoader.parse(yaml, "gateway.yaml", dir, dir.resolve("gateway.yaml"), Map.<String, String>of()::get);
  }

  @Test
  void aValidChainIsBoundValidatedAndKeptInOrder() throws Exception {
    GatewayConfig config = parse(route("""
              - test-decision: { decision: abstain, delayMs: 5 }
              - test-decision: { decision: allow }
                mode: shadow
        """));
    List<PolicySpec> specs = config.routes().get(0).policies();
    assertThat(specs).extracting(PolicySpec::id).containsExactly("test-decision", "test-decision");
    assertThat(specs.get(0).config()).isEqualTo(new TestDecisionPolicyFactory.Config("abstain", 5, null, null, null));
    assertThat(specs).extracting(PolicySpec::shadow).containsExactly(false, true);
    assertThat(config.networks()).containsKey("office");
    assertThat(specs.get(0).setup().network("office")).isPresent();
  }

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of("unknown id", "      - rbac: { anyOf: [x] }\n", 8, "routes[0].policies[0].rbac",
            "unknown policy 'rbac' on route 'app'; installed policies: test-decision"),
        Arguments.of("unknown option", "      - test-decision: { decision: allow, colour: red }\n", 8,
            "routes[0].policies[0].test-decision.colour", "unknown option 'colour'; known options: audit, decision, delayMs, permissions, tag"),
        Arguments.of("wrong type", "      - test-decision:\n          decision: allow\n          delayMs: soon\n", 10,
            "routes[0].policies[0].test-decision.delayMs", "must be a number"),
        Arguments.of("factory validation", "      - test-decision: { decision: maybe }\n", 8,
            "routes[0].policies[0].test-decision.decision", "must be one of"),
        Arguments.of("validate throws", "      - test-decision: { decision: allow, tag: explode }\n", 8,
            "routes[0].policies[0].test-decision", "policy 'test-decision' failed while checking its options"),
        Arguments.of("bad mode", "      - test-decision: { decision: allow }\n        mode: later\n", 9,
            "routes[0].policies[0].mode", "must be 'enforce' or 'shadow'"),
        Arguments.of("two ids", "      - { test-decision: { decision: allow }, other: {} }\n", 8,
            "routes[0].policies[0]", "one policy per entry"),
        Arguments.of("options not a mapping", "      - test-decision: allow\n", 8,
            "routes[0].policies[0].test-decision", "must be a mapping"),
        Arguments.of("entry not a mapping", "      - test-decision\n", 8,
            "routes[0].policies[0]", "a policy entry is a mapping"),
        Arguments.of("public with policies", "      - test-decision: { decision: allow }\n    public: true\n", 9,
            "routes[0].public", "only for routes without policies"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void eachMistakeIsNamed(String description, String policies, int line, String path, String message) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse(route(policies)));
    assertThat(e).as("must be rejected").isNotNull();
    assertThat(e.problems()).anySatisfy(p -> {
      assertThat(p.path()).isEqualTo(path);
      assertThat(p.message()).contains(message);
      assertThat(p.line()).isEqualTo(line);
    });
  }

  @Test
  void networkSetsAreValidated() {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse("""
        networks:
          office: [ 192.0.2.0/33 ]
          "bad name": [ 10.0.0.0/8 ]
          empty: []
        routes:
          - { id: a, match: { pathPrefix: / }, upstream: { targets: [ "http://x:1" ] }, public: true }
        """));
    assertThat(e.problems()).extracting(ConfigProblem::path)
        .contains("networks.office[0]", "networks.bad name", "networks.empty");
  }
}
