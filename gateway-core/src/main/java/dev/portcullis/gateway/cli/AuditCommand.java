package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.admin.AuditAdmin;
import dev.portcullis.gateway.audit.JournalVerifier;
import dev.portcullis.gateway.config.AuditConfig;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.policy.PluginRegistry;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** {@code portcullis audit verify}. */
@Command(name = "audit", description = "Check the audit journal.",
    subcommands = AuditCommand.Verify.class)
final class AuditCommand extends CommandGroup {

  /**
   * Offline: checks the journal the configuration names (directory, encryption key) against the checkpoint
   * public key — by default the {@code .pub} beside the signing key; pass the copy kept elsewhere with
   * {@code --public-key}. With {@code --remote}: asks a running gateway to check its own journal
   * ({@code GET /admin/v1/audit/verify}).
   */
  @Command(name = "verify", sortOptions = false,
      description = {"Check the audit journal's hash chain, signed checkpoints and head: every edited, deleted, "
          + "inserted, reordered or truncated record and every missing segment is reported with where it is.",
          "Offline (default): the journal on this machine that --config names. With --remote: the running gateway "
              + "at --url checks its own (GET /admin/v1/audit/verify; needs audit:read).",
          "Exit status: 0 intact, 1 altered, 2 could not check."})
  static final class Verify extends AdminCommand {

    @Option(names = "--config", paramLabel = "PATH",
        description = "offline: the gateway's configuration (default: $PORTCULLIS_CONFIG, else config/gateway.yaml)")
    Path config;

    @Option(names = "--public-key", paramLabel = "PEM",
        description = "offline: the checkpoint public key (default: the .pub beside audit.signingKey)")
    Path publicKey;

    @Option(names = "--remote", description = "ask the running gateway at --url instead")
    boolean remote;

    Verify(Cli cli) {
      super(cli);
    }

    @Override
    int run() {
      if (remote && (config != null || publicKey != null)) {
        throw invalid("--remote checks the gateway's own journal: --config and --public-key are for the offline "
            + "check");
      }
      return remote ? remote() : offline();
    }

    private int remote() {
      AdminApiClient.Reply reply = api().get("/admin/v1/audit/verify", 409); // 409: the report of an altered journal
      JsonObject report = reply.json();
      if (!(report.getValue("intact") instanceof Boolean intact)) {
        throw CliFailure.failed("the gateway answered " + reply.status() + " without a journal report");
      }
      if (json) {
        printJson(reply);
      } else {
        out().println("Journal of " + api().base() + ": " + report.getValue("segments") + " segment(s), "
            + report.getValue("records") + " record(s), seq " + report.getValue("firstSeq") + " to "
            + report.getValue("lastSeq"));
        out().println("Checkpoint key " + report.getString("keyFingerprint"));
        printFindings(report);
      }
      return intact ? Cli.OK : Cli.REFUSED;
    }

    private void printFindings(JsonObject report) {
      int problems = 0;
      for (Object item : report.getJsonArray("findings")) {
        JsonObject finding = (JsonObject) item;
        boolean problem = finding.getBoolean("problem", false);
        problems += problem ? 1 : 0;
        out().println((problem ? "PROBLEM " : "notice  ") + finding.getString("where"));
      }
      out().println(report.getBoolean("intact") ? "intact" : problems + " problem(s): the journal was altered");
    }

    private int offline() {
      Path file = cli.configFile(config);
      AuditConfig audit;
      try (PluginRegistry plugins = cli.plugins()) {
        audit = ConfigLoader.load(file, cli.environment().env(), plugins).audit();
      } catch (InvalidConfigException e) {
        ConfigCommand.printProblems(file, e, err());
        return Cli.FAILED;
      }
      Path key = publicKey != null ? publicKey
          : audit.signingKey().resolveSibling(audit.signingKey().getFileName() + ".pub");
      JournalVerifier.Report report;
      try {
        report = JournalVerifier.create(key, audit.encryptionKey()).verify(audit.directory());
      } catch (IOException e) {
        throw CliFailure.failed(e.getMessage());
      }
      JsonObject answer = AuditAdmin.verifyJson(report);
      if (json) {
        out().println(answer.encodePrettily());
      } else {
        out().println("Journal " + audit.directory() + ": " + report.segments() + " segment(s), " + report.records()
            + " record(s), seq " + report.firstSeq() + " to " + report.lastSeq());
        out().println("Checkpoint key SHA-256:" + report.keyFingerprint() + " (" + key + ")");
        printFindings(answer);
      }
      return report.intact() ? Cli.OK : Cli.REFUSED;
    }
  }
}
