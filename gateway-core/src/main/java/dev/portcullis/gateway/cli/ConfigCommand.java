package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.ConfigProblem;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.policy.PluginRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code portcullis config check}: validates a configuration file without starting anything. */
@Command(name = "config", description = "Check configuration files.",
    subcommands = ConfigCommand.Check.class)
final class ConfigCommand extends CommandGroup {

  /** Loads the file as a start or reload would (plugins included) and reports every problem. */
  @Command(name = "check", description = {
      "Validate a configuration file without starting the gateway: the whole file is checked, with the installed "
          + "plugins, as at start-up and on reload.",
      "Exit status: 0 valid (the route count is printed), 2 invalid (every problem is printed as "
          + "file:line: field: message)."})
  static final class Check implements Callable<Integer> {

    @Mixin
    HelpOption help;
    private final Cli cli;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "PATH",
        description = "the file to check (default: $PORTCULLIS_CONFIG, else config/gateway.yaml)")
    Path config;

    Check(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      return check(cli, config, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
  }

  static int check(Cli cli, Path option, PrintWriter out, PrintWriter err) {
    Path file = cli.configFile(option);
    try (PluginRegistry plugins = cli.plugins()) {
      GatewayConfig config = ConfigLoader.load(file, cli.environment().env(), plugins);
      out.println("portcullis: " + file + " is valid (" + config.routes().size() + " route(s))");
      return Cli.OK;
    } catch (InvalidConfigException e) {
      printProblems(file, e, err);
      return Cli.FAILED;
    }
  }

  static void printProblems(Path file, InvalidConfigException e, PrintWriter err) {
    err.println("portcullis: " + file + " is not valid:");
    for (ConfigProblem p : e.problems()) {
      err.println("  " + p);
    }
    err.flush();
  }
}
