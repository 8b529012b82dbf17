package dev.portcullis.gateway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code portcullis}: without a subcommand it runs the gateway, as it always did
 * ({@code portcullis [--config PATH] [--check]}); the subcommands are the tasks administrators script.
 */
@Command(name = "portcullis", mixinStandardHelpOptions = true, versionProvider = PortcullisCommand.Version.class,
    sortOptions = false, usageHelpAutoWidth = true,
    description = {"Portcullis, the identity-aware access gateway.",
        "Without a command: run the gateway (same as 'portcullis run'); with --check: same as 'portcullis config "
            + "check'."},
    subcommands = {RunCommand.class, ConfigCommand.class, AuditCommand.class, UserCommand.class, RoleCommand.class,
        TokenCommand.class, SessionsCommand.class, DryRunCommand.class, BackupCommand.class, RestoreCommand.class},
    footerHeading = "%nAdmin commands (user, role, token, sessions, dry-run, audit verify --remote):%n",
    footer = {
        "  call the admin API of a running gateway over HTTPS: --url, else",
        "  $PORTCULLIS_ADMIN_URL, else https://127.0.0.1:9443. The API token comes from",
        "  $PORTCULLIS_ADMIN_TOKEN or --token-file FILE, never from an argument. The",
        "  listener's certificate is checked against the JDK trust store, or the PEM",
        "  given with --cacert (e.g. <dataDir>/tls/self-signed-cert.pem).",
        "",
        "Exit status:",
        "  0   done (dry-run: allowed; audit verify: intact)",
        "  1   refused by the gateway (its problem key and detail are printed), no",
        "      token to present, a dry run not allowed, an altered journal, or a",
        "      backup archive altered or sealed with another key, or a non-empty",
        "      restore target",
        "  2   could not be done: gateway unreachable, TLS failure, invalid",
        "      configuration, unreadable file",
        "  64  the command line is wrong (unknown option, bad value, missing argument)"})
final class PortcullisCommand implements Callable<Integer> {

  private final Cli cli;

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "PATH",
      description = "the configuration file (default: $PORTCULLIS_CONFIG, else config/gateway.yaml)")
  Path config;

  @Option(names = "--check", description = "validate the configuration and exit without starting (same as "
      + "'portcullis config check')")
  boolean check;

  PortcullisCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (check) {
      return ConfigCommand.check(cli, config, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
    return RunCommand.run(cli, config, spec.commandLine().getErr());
  }

  /** The version in the jar's manifest, when built into one. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = PortcullisCommand.class.getPackage().getImplementationVersion();
      return new String[] {"portcullis " + (version == null ? "(development build)" : version)};
    }
  }
}
