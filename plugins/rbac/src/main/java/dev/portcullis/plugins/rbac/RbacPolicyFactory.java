package dev.portcullis.plugins.rbac;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** {@code rbac}: see this module's README. */
public final class RbacPolicyFactory implements PolicyFactory<RbacConfig> {

  public static final String ID = "rbac";

  /** {@code resource:action}, lower case, no wildcards: nothing is granted implicitly. */
  static final Pattern PERMISSION = Pattern.compile("[a-z][a-z0-9._-]{0,63}:[a-z][a-z0-9._-]{0,63}");

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<RbacConfig> configType() {
    return RbacConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("allOf", "list of permissions (resource:action)",
            "the user must hold every one of these; give exactly one of allOf and anyOf", null),
        new Option("anyOf", "list of permissions (resource:action)",
            "the user must hold at least one of these; give exactly one of allOf and anyOf", null));
  }

  @Override
  public void validate(RbacConfig config, PolicySetup setup, ConfigErrors errors) {
    if ((config.allOf() == null) == (config.anyOf() == null)) {
      errors.add("allOf", "give exactly one of allOf and anyOf");
      return;
    }
    if (config.allOf() != null) {
      permissions(config.allOf(), "allOf", errors);
    } else {
      permissions(config.anyOf(), "anyOf", errors);
    }
  }

  @Override
  public Policy create(RbacConfig config, PolicySetup setup) {
    ConfigErrors unexpected = (field, message) -> {
      throw new IllegalStateException(field + ": " + message);
    };
    return config.allOf() != null
        ? RbacPolicy.allOf(permissions(config.allOf(), "allOf", unexpected))
        : RbacPolicy.anyOf(permissions(config.anyOf(), "anyOf", unexpected));
  }

  /** The listed permissions, sorted; every entry that is not a permission is reported. */
  private static Set<String> permissions(List<String> listed, String field, ConfigErrors errors) {
    if (listed.isEmpty()) {
      errors.add(field, "needs at least one permission");
    }
    Set<String> seen = new HashSet<>();
    Set<String> out = new TreeSet<>();
    for (int i = 0; i < listed.size(); i++) {
      String permission = listed.get(i);
      if (permission == null || permission.isBlank()) {
        errors.add(field + "[" + i + "]", "must not be empty");
      } else if (!PERMISSION.matcher(permission).matches()) {
        errors.add(field + "[" + i + "]", "'" + permission
            + "' is not a permission (resource:action, lower case, no wildcards)");
      } else if (!seen.add(permission)) {
        errors.add(field + "[" + i + "]", "'" + permission + "' is listed twice");
      } else {
        out.add(permission);
      }
    }
    return out;
  }
}
