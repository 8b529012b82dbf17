package dev.portcullis.gateway.cli;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.function.Function;

/**
 * What the commands read from outside their arguments, handed in so that tests can supply their own
 * instead of the process's.
 *
 * @param env             environment variables ({@code PORTCULLIS_ADMIN_TOKEN}, {@code PORTCULLIS_ADMIN_URL},
 *                        {@code PORTCULLIS_CONFIG}, and {@code ${VAR}} in configuration files); null when unset
 * @param stdin           where {@code --password-stdin} reads
 * @param pluginDirectory the plugins directory for commands that load a configuration, or null for the
 *                        class path only
 * @param defaultConfig   the configuration file when neither {@code --config} nor {@code PORTCULLIS_CONFIG}
 *                        names one
 * @param clock           "now" for {@code --for} and {@code --expires-in}
 */
public record CliEnvironment(Function<String, String> env, InputStream stdin, Path pluginDirectory,
    Path defaultConfig, Clock clock) {

  /**
   * The running process: its environment and standard input; plugins from {@code -Dportcullis.plugins.dir}
   * (the launcher sets it), else {@code PORTCULLIS_PLUGINS}; the default configuration from
   * {@code -Dportcullis.config.default} (the launcher's own {@code config/gateway.yaml}), else
   * {@code config/gateway.yaml}.
   */
  public static CliEnvironment system() {
    String plugins = System.getProperty("portcullis.plugins.dir", System.getenv("PORTCULLIS_PLUGINS"));
    String config = System.getProperty("portcullis.config.default", "config/gateway.yaml");
    return new CliEnvironment(System::getenv, System.in, plugins == null || plugins.isBlank() ? null : Path.of(plugins),
        Path.of(config), Clock.systemUTC());
  }

  /** The variable's value, or null when it is unset or blank. */
  String get(String name) {
    String value = env.apply(name);
    return value == null || value.isBlank() ? null : value;
  }
}
