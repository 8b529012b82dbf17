package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.backup.BackupArchive;
import dev.portcullis.gateway.backup.BackupException;
import dev.portcullis.gateway.backup.Restore;
import dev.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code portcullis restore}: checks an archive, extracts its configuration, or restores it (see {@link Restore}). */
@Command(name = "restore", sortOptions = false,
    description = {"Restore a 'portcullis backup' archive into the empty data directory, journal directory and IAM "
        + "store that --config names (PostgreSQL or H2, whichever the archive came from). Nothing is written before "
        + "the whole archive has been decrypted and checked against its manifest.",
        "--verify only checks the archive; --extract-config writes the archived configuration file to a new file "
            + "(to adapt it before restoring with it).",
        "Exit status: 0 restored (or intact), 1 refused: the archive was altered, truncated or sealed with another "
            + "key, or the target is not empty; 2 could not be done; 64 wrong command line."})
final class RestoreCommand implements Callable<Integer> {

  @Mixin
  HelpOption help;

  @Spec
  CommandSpec spec;

  private final Cli cli;

  @Option(names = "--in", paramLabel = "FILE", required = true, description = "the archive")
  Path in;

  @Option(names = "--config", paramLabel = "PATH",
      description = "the configuration naming the (empty) target (default: $PORTCULLIS_CONFIG, else "
          + "config/gateway.yaml)")
  Path config;

  @Option(names = "--key-file", paramLabel = "FILE",
      description = "the backup key (default: $PORTCULLIS_BACKUP_KEY, base64)")
  Path keyFile;

  @Option(names = "--verify", description = "only check the archive (decrypt, checksums); write nothing")
  boolean verify;

  @Option(names = "--extract-config", paramLabel = "PATH",
      description = "only write the archived configuration file to PATH (a new file)")
  Path extractConfig;

  RestoreCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (verify && extractConfig != null || (verify || extractConfig != null) && config != null) {
      throw new ParameterException(spec.commandLine(), "--verify, --extract-config and a restore (--config) are "
          + "separate tasks: give one");
    }
    byte[] key = BackupCommand.key(cli, spec, keyFile);
    PrintWriter out = spec.commandLine().getOut();
    try {
      if (verify) {
        JsonObject manifest = Restore.verify(in, key);
        out.println("portcullis: " + in + " is intact: " + describe(manifest));
        return Cli.OK;
      }
      if (extractConfig != null) {
        Restore.extractConfig(in, key, extractConfig);
        out.println("portcullis: wrote the archived configuration to " + extractConfig);
        return Cli.OK;
      }
      Path file = cli.configFile(config);
      GatewayConfig target = BackupCommand.load(cli, file, spec);
      if (target == null) {
        return Cli.FAILED;
      }
      Restore.Result result = Restore.restore(target, in, key);
      long rows = result.rows().values().stream().mapToLong(Long::longValue).sum();
      out.println("portcullis: restored " + in + " (" + describe(result.manifest()) + ") into " + target.dataDir()
          + ": " + result.files() + " file(s), " + rows + " IAM store row(s) in " + result.rows().size() + " table(s)");
      return Cli.OK;
    } catch (BackupException e) {
      throw BackupCommand.failure(e);
    }
  }

  private static String describe(JsonObject manifest) {
    JsonObject store = manifest.getJsonObject("store");
    return "made " + manifest.getString("createdAt") + " by " + manifest.getString("gatewayVersion") + " on "
        + manifest.getString("instance") + ", " + BackupArchive.entries(manifest).size() + " entries"
        + (store == null ? "" : ", IAM store schema " + store.getString("schemaVersion") + " with "
        + store.getJsonObject("rows").stream().mapToLong(e -> ((Number) e.getValue()).longValue()).sum()
        + " rows") + ", " + manifest.getJsonObject("journal", new JsonObject()).getInteger("segments", 0)
        + " journal segment(s)";
  }
}
