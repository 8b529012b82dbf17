package dev.portcullis.gateway.policy;

import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;

/**
 * One validated entry of a route's {@code policies:} list: which factory, its bound configuration,
 * and whether it is enforced or only shadowed.
 */
public record PolicySpec(String id, PolicyFactory<?> factory, Record config, boolean shadow,
    RoutePolicySetup setup) {

  /** Creates the route's policy instance (once per configuration version). */
  public Policy create() {
    return createTyped(factory);
  }

  @SuppressWarnings("unchecked")
  private <C extends Record> Policy createTyped(PolicyFactory<C> typed) {
    return typed.create((C) config, setup);
  }

  /** Runs the factory's validation on the bound config. */
  @SuppressWarnings("unchecked")
  public static <C extends Record> void validate(PolicyFactory<C> factory, Record config, RoutePolicySetup setup,
      dev.portcullis.plugin.ConfigErrors errors) {
    factory.validate((C) config, setup, errors);
  }
}
