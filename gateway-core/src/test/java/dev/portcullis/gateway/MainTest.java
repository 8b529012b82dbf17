package dev.portcullis.gateway;

import dev.portcullis.gateway.support.ForkedJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line as a process: an invalid file stops start-up with one line per problem; --check and
 * config check only validate; the exit status of every command reaches the shell; short commands keep
 * log lines off standard output. (The commands themselves: cli.CliTest.)
 */
class MainTest {

  @TempDir
  Path dir;

  private record Run(int exit, String output) {
  }

  private Run run(String... args) throws Exception {
    Path log = dir.resolve("main-" + System.nanoTime() + ".log");
    Process process = ForkedJvm.start(log, List.of("-Xmx128m"), Map.of(), Main.class.getName(), args);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), Files.readString(log));
  }

  @Test
  void anInvalidFileStopsStartUpAndNamesEveryProblem() throws Exception {
    Path config = dir.resolve("bad.yaml");
    Files.writeString(config, """
        listeners:
          public: { port: 99999 }
        routes:
          - id: x
            match: { pathPrefix: nope }
            upstream: { targets: [ "http://127.0.0.1:1" ] }
        """);
    Run run = run("--config", config.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.output())
        .contains(config + " is not valid:")
        .contains(config + ":2: listeners.public.port: must be between 0 and 65535, got 99999")
        .contains(config + ":5: routes[0].match.pathPrefix: must start with '/'")
        .contains(config + ":4: routes[0]: a route without policies lets everyone through")
        .doesNotContain("Portcullis started");
  }

  @Test
  void checkValidatesWithoutStarting() throws Exception {
    Path config = dir.resolve("good.yaml");
    Files.writeString(config, """
        listeners: { public: { port: 1 }, admin: { port: 2 } }
        routes:
          - { id: x, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:1" ] }, public: true }
        """);
    Run run = run("--check", "--config", config.toString());
    assertThat(run.exit()).isZero();
    assertThat(run.output()).contains("is valid (1 route(s))").doesNotContain("Portcullis started");
  }

  @Test
  void configCheckIsTheSameCheck() throws Exception {
    Path config = dir.resolve("good.yaml");
    Files.writeString(config, """
        listeners: { public: { port: 1 }, admin: { port: 2 } }
        routes:
          - { id: x, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:1" ] }, public: true }
        """);
    Run run = run("config", "check", "--config", config.toString());
    assertThat(run.exit()).isZero();
    assertThat(run.output()).isEqualTo("portcullis: " + config + " is valid (1 route(s))\n");
  }

  @Test
  void unknownArgumentsAreRefused() throws Exception {
    Run run = run("--confg", "x.yaml");
    assertThat(run.exit()).isEqualTo(64);
    assertThat(run.output()).contains("portcullis: Unknown options: '--confg'").contains("Usage: portcullis");
  }

  @Test
  void anAdminCommandThatCannotReachTheGatewayExitsWithTwo() throws Exception {
    Path log = dir.resolve("admin.log");
    Process process = ForkedJvm.start(log, List.of("-Xmx64m"), Map.of("PORTCULLIS_ADMIN_TOKEN", "pcl_"
        + "A".repeat(43)), Main.class.getName(), "sessions", "revoke", "--user", "demo", "--url",
        "https://127.0.0.1:" + dev.portcullis.gateway.support.Backends.closedPort());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(Files.readString(log)).startsWith("portcullis sessions revoke: cannot reach the admin API at "
        + "https://127.0.0.1:").doesNotContain("pcl_");
  }

  @Test
  void auditVerifyReportsAnIntactJournalAndThenTheEditedLine() throws Exception {
    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, """
        dataDir: data
        listeners: { public: { port: 1 }, admin: { port: 2 } }
        routes:
          - { id: x, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:1" ] }, public: true }
        """);
    dev.portcullis.gateway.audit.Journal journal = dev.portcullis.gateway.audit.Journal.open(
        new dev.portcullis.gateway.audit.Journal.Settings(dir.resolve("data/audit"), java.time.Duration.ofMillis(2),
            1 << 20, java.time.Duration.ofDays(1), null, null, dir.resolve("data/audit-signing-key.pem"), 1024,
            java.time.Duration.ofMillis(100)), java.time.Clock.systemUTC(),
        new dev.portcullis.gateway.audit.EventIds("cli-test"));
    for (int i = 0; i < 3; i++) {
      journal.append(("{\"type\":\"access\",\"path\":\"/p" + i + "\"}").getBytes(), true)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    journal.close();

    Run intact = run("audit", "verify", "--config", config.toString());
    assertThat(intact.exit()).isZero();
    assertThat(intact.output()).contains("1 segment(s), 4 record(s), seq 1 to 4").contains("intact");

    Path segment = dir.resolve("data/audit/segment-00000001.jsonl");
    Files.writeString(segment, Files.readString(segment).replace("/p1", "/pX"));
    Run altered = run("audit", "verify", "--config", config.toString(), "--json");
    assertThat(altered.exit()).isEqualTo(1);
    assertThat(new io.vertx.core.json.JsonObject(altered.output().substring(altered.output().indexOf("{\n  \"intact\""),
        altered.output().lastIndexOf('}') + 1))
        .getJsonArray("findings").getJsonObject(0).getString("where"))
        .isEqualTo("segment-00000001.jsonl:2 (seq 2): edited: its hash no longer matches the one the next record "
            + "(segment-00000001.jsonl line 3) holds");

    Run wrongKey = run("audit", "verify", "--config", config.toString(), "--public-key", config.toString());
    assertThat(wrongKey.exit()).isEqualTo(2);
    assertThat(wrongKey.output()).contains("is not an Ed25519 public key PEM");
  }
}
