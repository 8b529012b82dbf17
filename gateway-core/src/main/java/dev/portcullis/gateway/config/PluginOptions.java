package dev.portcullis.gateway.config;

import dev.portcullis.gateway.policy.PolicyConfigBinder;
import dev.portcullis.plugin.ConfigErrors;

import java.util.Map;

/**
 * The options of one plugin entry ({@code - <plugin-id>: { options }}, a policy or an audit sink):
 * bound strictly to the plugin's config record, then checked by the plugin itself, every problem
 * reported with the line and path of the option it is about.
 */
final class PluginOptions {

  /** The plugin's own check of bound options. */
  interface Check {
    void run(Record config, ConfigErrors errors);
  }

  private PluginOptions() {
  }

  /**
   * @param options the plain value under the plugin id (from {@link ConfigNode#plain}), with its lines
   * @param subject how messages name the plugin, e.g. {@code policy 'ip-allowlist'}
   * @return the bound options when binding and the plugin's check found nothing, else null (reported)
   */
  static Record bind(ConfigNode entry, String id, Object options, Map<String, Integer> lines,
      Class<? extends Record> type, String subject, Check check) {
    if (options != null && !(options instanceof Map)) {
      entry.error(id, "the options of " + subject + " must be a mapping");
      entry.finish();
      return null;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> map = options == null ? Map.of() : (Map<String, Object>) options;
    String base = entry.path() + "." + id;
    int entryLine = entry.line();
    ConfigErrors errors = (field, message) -> entry.errorAt(ConfigNode.lineOf(lines, field, entryLine),
        field == null || field.isEmpty() ? base : base + "." + field, message);
    Record config = PolicyConfigBinder.bind(type, map, errors);
    entry.finish();
    if (config == null) {
      return null;
    }
    int before = entry.problemCount();
    try {
      check.run(config, errors);
    } catch (RuntimeException e) {
      // a plugin bug must refuse the file with a message, not crash the loader
      errors.add("", subject + " failed while checking its options: " + e);
    }
    return entry.problemCount() == before ? config : null;
  }
}
