package dev.portcullis.plugin.audit;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An event a policy asked to journal (see {@code PolicyContext.audit}); constructing one checks the
 * limits, so the core and the test kit refuse the same things.
 *
 * @param name    kebab-case, at most 64 characters
 * @param details at most 16 entries; camelCase keys of at most 64 characters; values of at most 256
 */
public record PluginEvent(String name, Map<String, String> details) {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
  private static final Pattern KEY = Pattern.compile("[a-z][A-Za-z0-9]*");

  public PluginEvent {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(details, "details");
    if (name.length() > 64 || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("audit event name '" + name + "' is not kebab-case of at most 64 characters");
    }
    if (details.size() > 16) {
      throw new IllegalArgumentException("audit event '" + name + "' has " + details.size()
          + " details; at most 16 are allowed");
    }
    for (Map.Entry<String, String> entry : details.entrySet()) {
      String key = entry.getKey();
      if (key == null || key.length() > 64 || !KEY.matcher(key).matches()) {
        throw new IllegalArgumentException("audit event '" + name + "': detail key '" + key
            + "' is not camelCase of at most 64 characters");
      }
      if (entry.getValue() == null || entry.getValue().length() > 256) {
        throw new IllegalArgumentException("audit event '" + name + "': detail '" + key
            + "' must be a string of at most 256 characters");
      }
    }
    details = Map.copyOf(details);
  }
}
