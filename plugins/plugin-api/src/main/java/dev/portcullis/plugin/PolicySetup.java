package dev.portcullis.plugin;

import dev.portcullis.plugin.net.Cidr;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the core tells a factory about the route a policy is configured on, at load time.
 */
public interface PolicySetup {

  /** The route's id. */
  String routeId();

  /**
   * A named network set declared in the configuration's top-level {@code networks:}, e.g.
   * {@code office}; empty when no such name is declared.
   */
  Optional<List<Cidr>> network(String name);

  /** Every declared network set by name. */
  Map<String, List<Cidr>> networks();
}
