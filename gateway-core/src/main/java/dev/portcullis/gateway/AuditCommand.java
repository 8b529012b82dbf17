package dev.portcullis.gateway;

import dev.portcullis.gateway.admin.AuditAdmin;
import dev.portcullis.gateway.audit.JournalVerifier;
import dev.portcullis.gateway.config.AuditConfig;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.ConfigProblem;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.policy.PluginRegistry;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code portcullis audit verify [--config PATH] [--public-key PEM] [--json]}: checks the journal the
 * configuration names (directory, encryption key) against the checkpoint public key — by default the
 * {@code .pub} beside the signing key; pass the copy you keep elsewhere with {@code --public-key}.
 * Exit status 0 when intact, 1 when a problem was found, 2 when it could not check.
 */
final class AuditCommand {

  private AuditCommand() {
  }

  static int run(String[] args, String defaultConfig, PluginRegistry plugins, PrintStream out, PrintStream err) {
    if (args.length < 2 || !args[1].equals("verify")) {
      err.println("usage: portcullis audit verify [--config PATH] [--public-key PEM] [--json]");
      return 64;
    }
    String configPath = defaultConfig;
    Path publicKey = null;
    boolean json = false;
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> configPath = i + 1 < args.length ? args[++i] : null;
        case "--public-key" -> publicKey = i + 1 < args.length ? Path.of(args[++i]) : null;
        case "--json" -> json = true;
        default -> {
          err.println("portcullis audit verify: unknown argument '" + args[i] + "'");
          return 64;
        }
      }
    }
    if (configPath == null) {
      err.println("portcullis audit verify: --config and --public-key need a value");
      return 64;
    }
    Path file = Path.of(configPath);
    AuditConfig audit;
    try {
      audit = ConfigLoader.load(file, System::getenv, plugins).audit();
    } catch (InvalidConfigException e) {
      err.println("portcullis: " + file + " is not valid:");
      for (ConfigProblem p : e.problems()) {
        err.println("  " + p);
      }
      return 2;
    }
    Path key = publicKey != null ? publicKey
        : audit.signingKey().resolveSibling(audit.signingKey().getFileName() + ".pub");
    JournalVerifier.Report report;
    try {
      report = JournalVerifier.create(key, audit.encryptionKey()).verify(audit.directory());
    } catch (IOException e) {
      err.println("portcullis audit verify: " + e.getMessage());
      return 2;
    }
    if (json) {
      out.println(AuditAdmin.verifyJson(report).encodePrettily());
    } else {
      out.println("Journal " + audit.directory() + ": " + report.segments() + " segment(s), " + report.records()
          + " record(s), seq " + report.firstSeq() + " to " + report.lastSeq());
      out.println("Checkpoint key SHA-256:" + report.keyFingerprint() + " (" + key + ")");
      report.findings().forEach(f -> out.println((f.problem() ? "PROBLEM " : "notice  ") + f));
      out.println(report.intact() ? "intact" : report.problems().size() + " problem(s): the journal was altered");
    }
    return report.intact() ? 0 : 1;
  }
}
