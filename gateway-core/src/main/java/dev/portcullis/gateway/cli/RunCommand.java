package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.policy.PluginRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code portcullis run [--config PATH]}: starts the gateway and returns, leaving it serving
 * ({@link Cli#serving()}); SIGTERM/SIGINT drain and stop it, SIGHUP reloads the configuration.
 * Loggers are looked up only here, so that a short command can set logging up before anything logs.
 */
@Command(name = "run", description = {"Start the gateway.",
    "SIGTERM/SIGINT drain in-flight requests (limits.drainTimeout) and stop; SIGHUP reloads the configuration.",
    "Exit status: 2 when the configuration is invalid (every problem is printed), 1 when start-up failed."})
final class RunCommand implements Callable<Integer> {

  @Mixin
  HelpOption help;

  private final Cli cli;

  @Spec
  CommandSpec spec;

  @ParentCommand
  PortcullisCommand parent;

  @Option(names = "--config", paramLabel = "PATH",
      description = "the configuration file (default: $PORTCULLIS_CONFIG, else config/gateway.yaml)")
  Path config;

  RunCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    return run(cli, config != null ? config : parent.config, spec.commandLine().getErr());
  }

  static int run(Cli cli, Path option, PrintWriter err) {
    Logger log = LoggerFactory.getLogger(RunCommand.class);
    Path file = cli.configFile(option);
    PluginRegistry plugins = cli.plugins();
    GatewayConfig config;
    try {
      config = ConfigLoader.load(file, cli.environment().env(), plugins);
    } catch (InvalidConfigException e) {
      ConfigCommand.printProblems(file, e, err);
      plugins.close();
      return Cli.FAILED;
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(config, cli.environment().env(), plugins).toCompletionStage().toCompletableFuture()
          .get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      log.error("Portcullis failed to start: {}", e.getCause() == null ? e.toString() : e.getCause().toString());
      return Cli.REFUSED;
    }
    long drainMillis = config.limits().drainTimeout().toMillis();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.shutdown().toCompletionStage().toCompletableFuture().get(drainMillis + 10_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("Shutdown did not complete cleanly: {}", e.toString());
      }
      // the log is written by a background thread: flush it before the JVM goes
      if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
        logback.stop();
      }
    }, "portcullis-shutdown"));
    try {
      Signal.handle(new Signal("HUP"), signal -> {
        log.info("SIGHUP: reloading configuration");
        gateway.reload();
      });
    } catch (IllegalArgumentException e) {
      log.info("SIGHUP is not available on this platform; configuration reloads on file change only");
    }
    cli.serving(gateway);
    return Cli.OK;
  }
}
