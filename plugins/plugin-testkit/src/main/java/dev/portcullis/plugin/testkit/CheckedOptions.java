package dev.portcullis.plugin.testkit;

import dev.portcullis.gateway.policy.PolicyConfigBinder;
import dev.portcullis.plugin.ConfigErrors;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** Binds a plugin's options as the gateway does, then runs the plugin's own check (both harnesses). */
final class CheckedOptions {

  private CheckedOptions() {
  }

  /** The problems the gateway would report, as {@code field: message}; empty when valid. */
  static <C extends Record> List<String> problems(Class<C> type, Map<String, Object> options,
      BiConsumer<C, ConfigErrors> check) {
    List<String> problems = new ArrayList<>();
    ConfigErrors errors = (field, message) -> problems.add(field + ": " + message);
    C config = PolicyConfigBinder.bind(type, options, errors);
    if (config != null) {
      check.accept(config, errors);
    }
    return problems;
  }

  /** The bound options; fails the test with the problems when they are not valid. */
  static <C extends Record> C valid(Class<C> type, Map<String, Object> options, BiConsumer<C, ConfigErrors> check) {
    List<String> problems = problems(type, options, check);
    if (!problems.isEmpty()) {
      throw new AssertionError("options rejected: " + problems);
    }
    return PolicyConfigBinder.bind(type, options, (field, message) -> {
    });
  }
}
