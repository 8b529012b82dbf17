package dev.portcullis.gateway.audit;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A journal that cannot be written refuses requests with 503 and turns the gateway unready, until it can. */
class AuditFailClosedTest {

  @TempDir
  Path dir;
  Backends backends;
  TestGateway gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    backends.close();
  }

  @Test
  void aFullDiskRefusesRequestsAndReadinessUntilItRecovers() throws Exception {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + """
        audit:
          segment: { maxSize: 4KiB }
        routes:
          - id: main
            match: { pathPrefix: / }
            upstream: { targets: [ "%s" ] }
            public: true
        """.formatted(backends.echo()));
    HttpClient client = Https.client();
    assertThat(Https.get(client, gateway.url("/before")).statusCode()).isEqualTo(200);
    assertThat(Https.get(client, gateway.adminUrl("/readyz")).statusCode()).isEqualTo(200);

    // the segment the journal rotates into next is on a full disk (writes to /dev/full fail with ENOSPC)
    Path audit = dir.resolve("data/audit");
    long next = Files.list(audit).map(p -> p.getFileName().toString()).filter(n -> n.startsWith("segment-"))
        .count() + 1;
    Path full = audit.resolve(String.format("segment-%08d.jsonl", next));
    Files.createSymbolicLink(full, Path.of("/dev/full"));

    HttpResponse<String> refused = await().atMost(Duration.ofSeconds(30)).until(
        () -> Https.get(client, gateway.url("/during")), r -> r.statusCode() == 503);
    assertThat(new JsonObject(refused.body()).getString("key")).isEqualTo("AUDIT_UNAVAILABLE");
    HttpResponse<String> ready = Https.get(client, gateway.adminUrl("/readyz"));
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(ready.body()).getJsonObject("components").getString("audit")).isEqualTo("DOWN");
    assertThat(Https.get(client, gateway.adminUrl("/metrics")).body())
        .contains("portcullis_audit_journal_available 0.0");
    assertThat(Https.get(client, gateway.url("/still-refused")).statusCode()).isEqualTo(503);

    Files.delete(full);
    await().atMost(Duration.ofSeconds(15)).until(() -> Https.get(client, gateway.url("/after")).statusCode() == 200);
    assertThat(Https.get(client, gateway.adminUrl("/readyz")).statusCode()).isEqualTo(200);
    gateway.close();
    gateway = null;
    JournalVerifier.Report report = AuditTrail.verify(dir.resolve("data"));
    assertThat(report.problems()).isEmpty();
    assertThat(AuditTrail.matching(audit, r -> r.path("type").asText().equals("journal.recovered"))).hasSize(1);
    // nothing that was refused left an access event claiming it was allowed
    assertThat(AuditTrail.matching(audit, r -> r.path("path").asText().equals("/still-refused"))).isEmpty();
  }
}
