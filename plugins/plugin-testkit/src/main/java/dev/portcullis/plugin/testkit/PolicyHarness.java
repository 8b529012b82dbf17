package dev.portcullis.plugin.testkit;

import dev.portcullis.gateway.policy.RoutePolicySetup;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.net.Cidr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drives a {@link PolicyFactory} the way the gateway does — strict option binding, then
 * {@code validate}, then {@code create} — and evaluates the policy against a {@link FakeRequest}.
 *
 * <pre>{@code
 * PolicyHarness<MyConfig> harness = PolicyHarness.of(new MyPolicyFactory()).network("office", "192.0.2.0/24");
 * Policy policy = harness.create(Map.of("allow", List.of("office")));
 * assertThat(harness.evaluate(policy, FakeRequest.get("/").from("192.0.2.7"))).isEqualTo(Decision.allow());
 * assertThat(harness.problems(Map.of("allow", "nope"))).containsExactly("allow: must be a list");
 * }</pre>
 */
public final class PolicyHarness<C extends Record> {

  private final PolicyFactory<C> factory;
  private final Map<String, List<Cidr>> networks = new LinkedHashMap<>();
  private String routeId = "test-route";

  private PolicyHarness(PolicyFactory<C> factory) {
    this.factory = factory;
  }

  public static <C extends Record> PolicyHarness<C> of(PolicyFactory<C> factory) {
    return new PolicyHarness<>(factory);
  }

  /** Declares a named network set, as the top-level {@code networks:} of a configuration does. */
  public PolicyHarness<C> network(String name, String... cidrs) {
    networks.put(name, java.util.Arrays.stream(cidrs).map(Cidr::parse).toList());
    return this;
  }

  public PolicyHarness<C> route(String routeId) {
    this.routeId = routeId;
    return this;
  }

  /** The problems the gateway would report for these options, as {@code field: message}; empty when valid. */
  public List<String> problems(Map<String, Object> options) {
    return CheckedOptions.problems(factory.configType(), options, (config, errors) ->
        factory.validate(config, setup(), errors));
  }

  /** A policy for valid options; fails the test with the problems otherwise. */
  public Policy create(Map<String, Object> options) {
    C config = CheckedOptions.valid(factory.configType(), options, (bound, errors) ->
        factory.validate(bound, setup(), errors));
    return factory.create(config, setup());
  }

  /** Evaluates and waits (at most 5 s) for the decision; a failed future is rethrown. */
  public Decision evaluate(Policy policy, PolicyContext context) {
    try {
      return policy.evaluate(context).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("policy did not decide: " + e, e);
    }
  }

  private RoutePolicySetup setup() {
    return new RoutePolicySetup(routeId, networks);
  }
}
