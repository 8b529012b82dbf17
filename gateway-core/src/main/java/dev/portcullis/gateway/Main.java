package dev.portcullis.gateway;

import dev.portcullis.gateway.cli.Cli;
import dev.portcullis.gateway.cli.CliEnvironment;

/**
 * The {@code portcullis} command ({@link Cli}): {@code portcullis [--config PATH]} or {@code portcullis run}
 * starts the gateway; {@code portcullis --check} or {@code portcullis config check} validates a
 * configuration; {@code portcullis audit verify} checks the journal; {@code user create}, {@code role bind},
 * {@code token create}, {@code sessions list|revoke} and {@code dry-run} call a running gateway's admin
 * API. {@code portcullis --help} lists them with their exit status.
 *
 * <p>The configuration file comes from {@code --config}, else {@code PORTCULLIS_CONFIG}, else
 * {@code -Dportcullis.config.default} (the launcher's {@code config/gateway.yaml}), else
 * {@code config/gateway.yaml}. A running gateway drains and stops on SIGTERM/SIGINT and reloads on SIGHUP.
 */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    Cli cli = new Cli(CliEnvironment.system());
    if (!cli.startsServer(args)) {
      quietLogging();
    }
    int status = cli.execute(args);
    if (cli.serving() == null) {
      if (cli.mayHaveLogged()) {
        flushLogs();
      }
      System.exit(status);
    }
  }

  /**
   * A short command keeps standard output for its answer (a script may parse it): log lines go to
   * standard error, and only warnings unless {@code PORTCULLIS_LOG_LEVEL} says otherwise. Must run before
   * anything logs (logback reads these properties when it starts).
   */
  private static void quietLogging() {
    System.setProperty("portcullis.log.target", "System.err");
    if (System.getenv("PORTCULLIS_LOG_LEVEL") == null) {
      System.setProperty("PORTCULLIS_LOG_LEVEL", "WARN");
    }
  }

  /** Log lines are written by a background thread: let them out before the JVM goes. */
  private static void flushLogs() {
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
      logback.stop();
    }
  }
}
