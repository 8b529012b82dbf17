package dev.portcullis.plugins.timedaccess;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code timed-access}: see this module's README. */
public final class TimedAccessPolicyFactory implements PolicyFactory<TimedAccessConfig> {

  public static final String ID = "timed-access";

  static final int MAX_MESSAGE = 200;
  static final String EXAMPLE = "'Mon-Fri 08:00-18:00 Europe/Copenhagen'";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<TimedAccessConfig> configType() {
    return TimedAccessConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("window", "window '<days> <HH:MM>-<HH:MM> <zone>' or a list of them",
            "the route is open to everyone only inside one of these windows; required unless roles is given", null),
        new Option("roles", "mapping of role name to a window or a list of windows",
            "a user may use the route only while holding a listed role that is inside its window", null),
        new Option("message", "text, at most 200 characters",
            "shown to the client when the route is closed, instead of the default", null));
  }

  @Override
  public void validate(TimedAccessConfig config, PolicySetup setup, ConfigErrors errors) {
    if (config.window() == null && config.roles() == null) {
      errors.add("window", "required unless roles is given, e.g. " + EXAMPLE);
    }
    if (config.window() != null) {
      windows(config.window(), "window", errors);
    }
    if (config.roles() != null) {
      roles(config.roles(), errors);
    }
    if (config.message() != null) {
      message(config.message(), errors);
    }
  }

  @Override
  public Policy create(TimedAccessConfig config, PolicySetup setup) {
    ConfigErrors unexpected = (field, message) -> {
      throw new IllegalStateException(field + ": " + message);
    };
    List<TimeWindow> windows = config.window() == null ? List.of() : windows(config.window(), "window", unexpected);
    Map<String, List<TimeWindow>> roles = config.roles() == null ? null : roles(config.roles(), unexpected);
    return new TimedAccessPolicy(windows, roles, config.message() == null ? null : config.message().strip());
  }

  /** A window string or a non-empty list of them. */
  private static List<TimeWindow> windows(Object value, String field, ConfigErrors errors) {
    List<TimeWindow> out = new ArrayList<>();
    if (value instanceof String text) {
      add(text, field, errors, out);
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        errors.add(field, "needs at least one window such as " + EXAMPLE);
      }
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) instanceof String text) {
          add(text, field + "[" + i + "]", errors, out);
        } else {
          errors.add(field + "[" + i + "]", "must be a window such as " + EXAMPLE);
        }
      }
    } else {
      errors.add(field, "must be a window such as " + EXAMPLE + " or a list of them");
    }
    return List.copyOf(out);
  }

  private static void add(String text, String field, ConfigErrors errors, List<TimeWindow> out) {
    try {
      out.add(TimeWindow.parse(text));
    } catch (IllegalArgumentException e) {
      errors.add(field, "'" + text + "': " + e.getMessage());
    }
  }

  private static Map<String, List<TimeWindow>> roles(Map<String, Object> roles, ConfigErrors errors) {
    if (roles.isEmpty()) {
      errors.add("roles", "needs at least one role with its window (leave the option out to use window alone)");
    }
    Map<String, List<TimeWindow>> out = new LinkedHashMap<>();
    roles.forEach((role, windows) -> {
      if (role == null || role.isBlank()) {
        errors.add("roles", "a role name must not be empty");
      } else if (windows == null) {
        errors.add("roles." + role, "must be a window such as " + EXAMPLE + " or a list of them");
      } else {
        out.put(role, windows(windows, "roles." + role, errors));
      }
    });
    return out;
  }

  private static void message(String message, ConfigErrors errors) {
    if (message.isBlank()) {
      errors.add("message", "must not be empty (leave the option out for the default message)");
    } else if (message.strip().length() > MAX_MESSAGE) {
      errors.add("message", "must be at most " + MAX_MESSAGE + " characters, got " + message.strip().length());
    }
  }
}
