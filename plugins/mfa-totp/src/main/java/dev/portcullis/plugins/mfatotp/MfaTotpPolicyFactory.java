package dev.portcullis.plugins.mfatotp;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Durations;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code mfa-totp}: see this module's README. */
public final class MfaTotpPolicyFactory implements PolicyFactory<MfaTotpConfig> {

  public static final String ID = "mfa-totp";

  /** RFC 8176 names accepted in {@code methods}, in the order error messages list them. */
  static final List<String> KNOWN_METHODS = List.of("otp", "rc", "mfa", "hwk", "swk");
  static final List<String> DEFAULT_METHODS = List.of("otp", "rc", "mfa");
  static final Duration MAX_MAX_AGE = Duration.ofHours(24);
  /** Shorter than a sign-in round trip would send a browser back to the code page for ever. */
  static final Duration MIN_MAX_AGE = Duration.ofMinutes(1);


  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<MfaTotpConfig> configType() {
    return MfaTotpConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("require", "boolean",
            "false switches the check off for this route (the policy abstains) without removing it", "true"),
        new Option("maxAge", "duration (ms, s, m, h, d), 1m to 24h",
            "ask for the second factor again when it was proven longer ago than this; absent: any second"
                + " factor of the session counts", null),
        new Option("roles", "list of role names",
            "only users holding at least one of these roles are checked; absent: every signed-in user", null),
        new Option("methods", "list of otp, rc, mfa, hwk, swk",
            "the authentication methods that count as a second factor", "[otp, rc, mfa]"));
  }

  @Override
  public void validate(MfaTotpConfig config, PolicySetup setup, ConfigErrors errors) {
    if (config.maxAge() != null) {
      maxAge(config.maxAge(), errors);
    }
    if (config.roles() != null) {
      roles(config.roles(), errors);
    }
    if (config.methods() != null) {
      methods(config.methods(), errors);
    }
  }

  @Override
  public Policy create(MfaTotpConfig config, PolicySetup setup) {
    if (Boolean.FALSE.equals(config.require())) {
      return MfaTotpPolicy.off();
    }
    ConfigErrors unexpected = (field, message) -> {
      throw new IllegalStateException(field + ": " + message);
    };
    Duration maxAge = config.maxAge() == null ? null : maxAge(config.maxAge(), unexpected);
    Set<String> roles = config.roles() == null ? null : roles(config.roles(), unexpected);
    Set<String> methods = methods(config.methods() == null ? DEFAULT_METHODS : config.methods(), unexpected);
    return new MfaTotpPolicy(maxAge, config.maxAge() == null ? null : config.maxAge().trim(), roles, methods);
  }

  /** {@code <n>ms|s|m|h|d}, positive and at most 24h; null after reporting otherwise. */
  private static Duration maxAge(String raw, ConfigErrors errors) {
    Duration age = Durations.parse(raw);
    if (age == null || age.compareTo(MIN_MAX_AGE) < 0 || age.compareTo(MAX_MAX_AGE) > 0) {
      errors.add("maxAge", "must be a duration from 1m to 24h such as 15m or 12h, got '" + raw + "'");
      return null;
    }
    return age;
  }

  private static Set<String> roles(List<String> roles, ConfigErrors errors) {
    if (roles.isEmpty()) {
      errors.add("roles", "needs at least one role name (leave the option out to check every user)");
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < roles.size(); i++) {
      String role = roles.get(i);
      if (role == null || role.isBlank()) {
        errors.add("roles[" + i + "]", "must not be empty");
      } else {
        out.add(role);
      }
    }
    return out;
  }

  private static Set<String> methods(List<String> methods, ConfigErrors errors) {
    if (methods.isEmpty()) {
      errors.add("methods", "needs at least one method (with none, no second factor could ever count)");
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < methods.size(); i++) {
      String method = methods.get(i);
      if (method == null || !KNOWN_METHODS.contains(method)) {
        errors.add("methods[" + i + "]", "'" + method + "' is not a second-factor method; known methods: "
            + String.join(", ", KNOWN_METHODS));
      } else {
        out.add(method);
      }
    }
    return out;
  }
}
