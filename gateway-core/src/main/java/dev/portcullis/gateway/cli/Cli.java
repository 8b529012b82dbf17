package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.policy.PluginRegistry;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.file.Path;

/**
 * The {@code portcullis} command line: runs the gateway, checks a configuration or the audit journal
 * offline, and drives the admin API of a running gateway for the tasks administrators script. Commands
 * are picocli objects built with this instance (so they see its {@link CliEnvironment}, not the
 * process's); {@link #execute} returns the exit status.
 *
 * <p>Exit status: {@link #OK} 0; {@link #REFUSED} 1 — the gateway refused (the problem's key and detail
 * are printed), a dry run was not allowed, or the journal was altered; {@link #FAILED} 2 — the command
 * could not be carried out (gateway unreachable, TLS failure, invalid configuration, unreadable file);
 * {@link #USAGE} 64 — the command line itself is wrong.
 */
public final class Cli {

  public static final int OK = 0;
  public static final int REFUSED = 1;
  public static final int FAILED = 2;
  public static final int USAGE = 64;

  private final CliEnvironment environment;
  private final CommandLine commandLine;
  private volatile Gateway serving;
  private volatile boolean loadedPlugins;

  public Cli(CliEnvironment environment) {
    this.environment = environment;
    this.commandLine = new CommandLine(PortcullisCommand.class, new Factory())
        .setParameterExceptionHandler(Cli::invalid)
        .setExecutionExceptionHandler(Cli::failed);
  }

  /** The command hierarchy; set its output with {@link CommandLine#setOut}/{@link CommandLine#setErr}. */
  public CommandLine commandLine() {
    return commandLine;
  }

  public int execute(String... args) {
    return commandLine.execute(args);
  }

  /**
   * Whether {@code args} start the gateway (the default command or {@code run}) rather than a short
   * command; false when they do not parse. Parsing logs nothing, so the caller can still choose how
   * logging is set up.
   */
  public boolean startsServer(String... args) {
    try {
      ParseResult parsed = new CommandLine(PortcullisCommand.class, new Factory()).parseArgs(args);
      if (parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested()) {
        return false;
      }
      if (!parsed.hasSubcommand()) {
        return !parsed.hasMatchedOption("--check");
      }
      ParseResult sub = parsed.subcommand();
      return sub.commandSpec().userObject() instanceof RunCommand && !sub.isUsageHelpRequested();
    } catch (ParameterException e) {
      return false;
    }
  }

  /** The gateway {@code run} started, or null: then the process must stay up after {@link #execute}. */
  public Gateway serving() {
    return serving;
  }

  void serving(Gateway gateway) {
    this.serving = gateway;
  }

  CliEnvironment environment() {
    return environment;
  }

  /** The configuration file: {@code option}, else {@code PORTCULLIS_CONFIG}, else the default. */
  Path configFile(Path option) {
    if (option != null) {
      return option;
    }
    String fromEnv = environment.get("PORTCULLIS_CONFIG");
    return fromEnv != null ? Path.of(fromEnv) : environment.defaultConfig();
  }

  /**
   * Whether a command loaded plugins and a configuration, and so may have logged: only then is logging worth
   * flushing at exit (setting it up costs a short command a third of its time).
   */
  public boolean mayHaveLogged() {
    return loadedPlugins;
  }

  /** The installed plugins (needed to validate a configuration's policies and sinks). */
  PluginRegistry plugins() {
    loadedPlugins = true;
    try {
      return PluginRegistry.load(environment.pluginDirectory());
    } catch (PluginRegistry.PluginException e) {
      throw CliFailure.failed(e.getMessage());
    }
  }

  private static int invalid(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    err.println(name + ": " + e.getMessage());
    if (e instanceof UnmatchedArgumentException unmatched) {
      UnmatchedArgumentException.printSuggestions(unmatched, err);
    }
    CommandLine.Help help = command.getHelp();
    err.print(help.synopsisHeading() + help.synopsis(help.synopsisHeading().length()));
    err.println("Try '" + name + " --help' for more information.");
    err.flush();
    return USAGE;
  }

  private static int failed(Exception e, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    String name = command.getCommandSpec().qualifiedName();
    if (e instanceof CliFailure failure) {
      err.println(name + ": " + failure.getMessage());
      err.flush();
      return failure.exitCode();
    }
    err.println(name + ": failed: " + e);
    err.flush();
    return FAILED;
  }

  /** Creates commands through their {@code (Cli)} constructor when they have one. */
  private final class Factory implements CommandLine.IFactory {
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    @Override
    public <K> K create(Class<K> type) throws Exception {
      Constructor<K> withCli;
      try {
        withCli = type.getDeclaredConstructor(Cli.class);
      } catch (NoSuchMethodException e) {
        return fallback.create(type);
      }
      withCli.setAccessible(true);
      return withCli.newInstance(Cli.this);
    }
  }
}
