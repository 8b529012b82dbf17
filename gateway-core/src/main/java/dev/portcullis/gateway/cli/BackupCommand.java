package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.backup.Backup;
import dev.portcullis.gateway.backup.BackupException;
import dev.portcullis.gateway.backup.BackupKey;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.policy.PluginRegistry;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code portcullis backup}: one encrypted archive of what the configuration names (see {@link Backup}),
 * taken while the gateway runs; {@code --generate-key} makes a new backup key file.
 */
@Command(name = "backup", sortOptions = false,
    description = {"Write one encrypted archive (AES-256-GCM) of the IAM store (a consistent snapshot), the "
        + "configuration file, the generated TLS pair, the audit checkpoint key pair, the generated TOTP key and the "
        + "audit journal, with a manifest of SHA-256 checksums. Safe while the gateway runs.",
        "The key: --key-file FILE (32 bytes, or base64 of them), else $PORTCULLIS_BACKUP_KEY (base64). The archive "
            + "holds every secret of the gateway: protect it, and keep the key apart from it.",
        "Exit status: 0 written, 2 could not be done, 64 wrong command line."})
final class BackupCommand implements Callable<Integer> {

  @Mixin
  HelpOption help;

  @Spec
  CommandSpec spec;

  private final Cli cli;

  @Option(names = "--config", paramLabel = "PATH",
      description = "the gateway's configuration (default: $PORTCULLIS_CONFIG, else config/gateway.yaml)")
  Path config;

  @Option(names = "--out", paramLabel = "FILE", description = "the archive to write (must not exist)")
  Path out;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "the backup key (default: $PORTCULLIS_BACKUP_KEY, base64)")
  Path keyFile;

  @Option(names = "--generate-key", paramLabel = "FILE",
      description = "instead of a backup: write a new random key to FILE (base64, owner-only; never overwrites)")
  Path generateKey;

  BackupCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (generateKey != null) {
      if (out != null || keyFile != null || config != null) {
        throw new ParameterException(spec.commandLine(), "--generate-key makes a key and nothing else");
      }
      try {
        BackupKey.generate(generateKey);
      } catch (BackupException e) {
        throw failure(e);
      }
      spec.commandLine().getOut().println("portcullis: wrote a new backup key to " + generateKey + " (fingerprint "
          + fingerprintOf(generateKey) + "); keep a copy apart from the archives");
      return Cli.OK;
    }
    if (out == null) {
      throw new ParameterException(spec.commandLine(), "name the archive to write with --out FILE");
    }
    byte[] key = key(cli, spec, keyFile);
    Path file = cli.configFile(config);
    GatewayConfig loaded = load(cli, file, spec);
    if (loaded == null) {
      return Cli.FAILED;
    }
    JsonObject manifest;
    try {
      manifest = Backup.write(loaded, out, key, cli.environment().clock(),
          new PortcullisCommand.Version().getVersion()[0]);
    } catch (BackupException e) {
      throw failure(e);
    }
    JsonObject store = manifest.getJsonObject("store");
    long rows = store == null ? 0 : store.getJsonObject("rows").stream().mapToLong(e -> ((Number) e.getValue())
        .longValue()).sum();
    spec.commandLine().getOut().println("portcullis: wrote " + out + ": " + manifest.getJsonArray("entries").size()
        + " entries; " + (store == null ? "no IAM store" : "IAM store schema " + store.getString("schemaVersion")
        + ", " + rows + " rows") + "; audit journal " + manifest.getJsonObject("journal").getInteger("segments")
        + " segment(s); key " + manifest.getString("keyFingerprint"));
    return Cli.OK;
  }

  private static String fingerprintOf(Path file) {
    try {
      return BackupKey.fingerprint(BackupKey.read(file));
    } catch (BackupException e) {
      throw failure(e);
    }
  }

  /** The key from {@code --key-file}, else {@code $PORTCULLIS_BACKUP_KEY}; a usage error when neither. */
  static byte[] key(Cli cli, CommandSpec spec, Path keyFile) {
    try {
      if (keyFile != null) {
        return BackupKey.read(keyFile);
      }
      String fromEnv = cli.environment().get(BackupKey.ENV);
      if (fromEnv != null) {
        return BackupKey.fromEnv(fromEnv);
      }
    } catch (BackupException e) {
      throw failure(e);
    }
    throw new ParameterException(spec.commandLine(), "no backup key: give --key-file FILE or set $"
        + BackupKey.ENV + " (make one with 'portcullis backup --generate-key FILE')");
  }

  /** The configuration, or null after its problems were printed. */
  static GatewayConfig load(Cli cli, Path file, CommandSpec spec) {
    try (PluginRegistry plugins = cli.plugins()) {
      return ConfigLoader.load(file, cli.environment().env(), plugins);
    } catch (InvalidConfigException e) {
      ConfigCommand.printProblems(file, e, spec.commandLine().getErr());
      return null;
    }
  }

  static CliFailure failure(BackupException e) {
    return e.refused() ? CliFailure.refused(e.getMessage()) : CliFailure.failed(e.getMessage());
  }
}
