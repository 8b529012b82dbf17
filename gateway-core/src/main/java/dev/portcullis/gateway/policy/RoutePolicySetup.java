package dev.portcullis.gateway.policy;

import dev.portcullis.plugin.PolicySetup;
import dev.portcullis.plugin.net.Cidr;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What a factory learns about the route it configures a policy for. */
public record RoutePolicySetup(String routeId, Map<String, List<Cidr>> networks) implements PolicySetup {

  public RoutePolicySetup {
    networks = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(networks)); // sorted: stable messages
  }

  @Override
  public Optional<List<Cidr>> network(String name) {
    return Optional.ofNullable(networks.get(name));
  }
}
