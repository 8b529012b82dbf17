package dev.portcullis.gateway.config;

import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:-default}} inside one scalar value; {@code $${} stands
 * for a literal {@code ${}. Done per scalar after YAML parsing (not on the raw text) so that a value
 * can never inject YAML structure and line numbers stay true.
 */
final class EnvSubstitution {

  private static final Pattern REFERENCE =
      Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private final Function<String, String> env;

  EnvSubstitution(Function<String, String> env) {
    this.env = env;
  }

  /** Thrown with the name of a variable that is referenced without default and not set. */
  static final class UnsetVariableException extends Exception {
    UnsetVariableException(String name) {
      super("environment variable " + name + " is not set (write ${" + name
          + ":-default} to give a default)");
    }
  }

  String expand(String value) throws UnsetVariableException {
    if (value.indexOf('$') < 0) {
      return value;
    }
    Matcher m = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$${")) {
        replacement = "${";
      } else {
        String found = env.apply(m.group(1));
        if (found == null) {
          if (m.group(2) == null) {
            throw new UnsetVariableException(m.group(1));
          }
          found = m.group(2);
        }
        replacement = found;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }
}
