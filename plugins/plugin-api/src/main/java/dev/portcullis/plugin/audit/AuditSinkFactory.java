package dev.portcullis.plugin.audit;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.PolicyFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * The entry point of an audit sink plugin, found with {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/dev.portcullis.plugin.audit.AuditSinkFactory}.
 *
 * <p>Configured under {@code audit.sinks} as {@code - <sink-id>: { options }} (plus the core's own
 * keys {@code name}, {@code batchSize}, {@code retry} and {@code timeout}); the options are bound to
 * {@link #configType()} exactly as policy options are (unknown keys refused by name), then
 * {@link #validate} runs, and {@link #create} is called once the gateway starts. Sinks are not
 * replaced on configuration reload: a changed {@code audit:} section takes effect on restart.
 *
 * @param <C> the configuration record
 */
public interface AuditSinkFactory<C extends Record> {

  /** The kebab-case id configurations use, e.g. {@code http}. Unique among installed sinks. */
  String id();

  /** The configuration record type. */
  Class<C> configType();

  /** One entry per option, for documentation. */
  List<PolicyFactory.Option> options();

  /**
   * Checks a bound configuration; report every problem.
   *
   * @param configDirectory what relative paths in the options (a CA file, a client certificate) resolve
   *                        against — the directory of the configuration file, as {@link SinkSetup#resolve} uses
   */
  default void validate(C config, Path configDirectory, ConfigErrors errors) {
  }

  /** Creates the sink. Called only with a configuration that validated. */
  AuditSink create(C config, SinkSetup setup);
}
