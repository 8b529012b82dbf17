package dev.portcullis.plugin;

import java.util.List;

/**
 * The entry point of a policy plugin, found with {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/dev.portcullis.plugin.PolicyFactory}.
 *
 * <p><b>Lifecycle.</b> When a configuration version is loaded (at start and on every reload) the
 * core, for each route that names this factory's {@link #id()}:
 * <ol>
 *   <li>binds the route's settings for the policy to {@link #configType()} — a record; unknown keys
 *       and wrongly typed values are refused by the core, naming the key;</li>
 *   <li>calls {@link #validate} once; anything reported refuses the whole file (at start-up the
 *       gateway does not start, on reload the running version stays);</li>
 *   <li>calls {@link #create} once; the policy serves every request of that route until the next
 *       configuration version replaces it.</li>
 * </ol>
 * All of this happens off the request path, before any request sees the policy; a factory may do
 * expensive set-up (parse, compile, index) here so that {@link Policy#evaluate} stays cheap. It is
 * called from one thread at a time but not always the same one; it must not block for long.
 *
 * @param <C> the configuration record; its components are the options users write in YAML
 */
public interface PolicyFactory<C extends Record> {

  /** The kebab-case id routes use, e.g. {@code ip-allowlist}. Unique among installed plugins. */
  String id();

  /** The configuration record type. */
  Class<C> configType();

  /** One entry per option, for documentation and error messages. */
  List<Option> options();

  /**
   * Checks a bound configuration; report every problem, not just the first. The default accepts
   * anything the binding accepted.
   */
  default void validate(C config, PolicySetup setup, ConfigErrors errors) {
  }

  /** Creates the policy for one route. Called only with a configuration that validated. */
  Policy create(C config, PolicySetup setup);

  /** Called when the gateway stops. Release anything shared by this factory's policies. */
  default void close() {
  }

  /**
   * A documented option.
   *
   * @param name         the key as written in YAML
   * @param type         a short type description, e.g. {@code list of CIDR or network names}
   * @param help         what it does
   * @param defaultValue the default as written in YAML, or null when required
   */
  record Option(String name, String type, String help, String defaultValue) {
  }
}
