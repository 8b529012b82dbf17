package dev.portcullis.plugins.ipallowlist;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;
import dev.portcullis.plugin.net.Cidr;

import java.util.ArrayList;
import java.util.List;

/** {@code ip-allowlist}: see this module's README. */
public final class IpAllowlistPolicyFactory implements PolicyFactory<IpAllowlistConfig> {

  public static final String ID = "ip-allowlist";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<IpAllowlistConfig> configType() {
    return IpAllowlistConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("allow", "list of CIDRs or network-set names",
            "the client address must be in one of these; nothing matching is denied", null),
        new Option("deny", "list of CIDRs or network-set names",
            "refused even when also allowed (deny wins)", "[]"));
  }

  @Override
  public void validate(IpAllowlistConfig config, PolicySetup setup, ConfigErrors errors) {
    if (config.allow() == null || config.allow().isEmpty()) {
      errors.add("allow", "needs at least one CIDR or network name (an empty allowlist would refuse everyone)");
    } else {
      resolve(config.allow(), "allow", setup, errors);
    }
    if (config.deny() != null) {
      resolve(config.deny(), "deny", setup, errors);
    }
  }

  @Override
  public Policy create(IpAllowlistConfig config, PolicySetup setup) {
    ConfigErrors unexpected = (field, message) -> {
      throw new IllegalStateException(field + ": " + message);
    };
    List<Cidr> allow = resolve(config.allow(), "allow", setup, unexpected);
    List<Cidr> deny = config.deny() == null ? List.of() : resolve(config.deny(), "deny", setup, unexpected);
    return new IpAllowlistPolicy(allow, deny);
  }

  /** Each entry is a network-set name or a CIDR (a bare address is a /32 or /128). */
  private static List<Cidr> resolve(List<String> entries, String field, PolicySetup setup, ConfigErrors errors) {
    List<Cidr> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String entry = entries.get(i);
      if (entry == null || entry.isBlank()) {
        errors.add(field + "[" + i + "]", "must not be empty");
        continue;
      }
      var named = setup.network(entry.trim());
      if (named.isPresent()) {
        out.addAll(named.get());
        continue;
      }
      try {
        out.add(Cidr.parse(entry));
      } catch (IllegalArgumentException e) {
        errors.add(field + "[" + i + "]", e.getMessage() + " and no network set of that name is declared"
            + (setup.networks().isEmpty() ? "" : " (declared: " + String.join(", ", setup.networks().keySet()) + ")"));
      }
    }
    return List.copyOf(out);
  }
}
