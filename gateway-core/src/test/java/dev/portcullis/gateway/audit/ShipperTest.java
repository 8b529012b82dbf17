package dev.portcullis.gateway.audit;

import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.plugin.audit.AuditRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** The shipper against sinks that misbehave: it retries, in order, until every record is delivered. */
class ShipperTest {

  @TempDir
  Path dir;

  private String yaml(String sink, String sinkOptions) {
    return TestGateway.header(dir) + """
        audit:
          sinks:
            - test-sink: %s
              name: %s
              batchSize: 5
              timeout: 200ms
              retry: { initial: 20ms, max: 100ms }
        routes:
          - { id: main, match: { pathPrefix: / }, upstream: { targets: [ "%s" ] }, public: true }
        """;
  }

  private void shipsEverything(String sink, String options) {
    try (Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, yaml(sink, options).formatted(options, sink, backends.echo()))) {
      for (int i = 0; i < 12; i++) {
        assertThat(Https.get(Https.client(), gateway.url("/r/" + i)).statusCode()).isEqualTo(200);
      }
      Set<String> journal = AuditTrail.records(dir.resolve("data/audit")).stream().map(r -> r.get("id").asText())
          .collect(Collectors.toSet());
      await().atMost(Duration.ofSeconds(20)).until(() -> TestSinkFactory.ACCEPTED.getOrDefault(sink, List.of())
          .stream().map(AuditRecord::eventId).collect(Collectors.toSet()).containsAll(journal));
      List<Long> seqs = TestSinkFactory.ACCEPTED.get(sink).stream().map(AuditRecord::sequence).toList();
      assertThat(seqs).isSorted(); // in journal order, and nothing accepted twice here
      assertThat(seqs).doesNotHaveDuplicates();
      assertThat(TestSinkFactory.ATTEMPTS.get(sink).get()).isGreaterThan(3);
      assertThat(Https.get(Https.client(), gateway.adminUrl("/metrics")).body())
          .contains("portcullis_audit_ship_failures_total{sink=\"" + sink + "\"}");
    }
  }

  @Test
  void aSinkThatNeverAnswersTimesOutAndTheBatchIsRetried() {
    shipsEverything("hanging", "{ mode: hang, misbehave: 3 }");
  }

  @Test
  void aSinkThatFailsIsRetriedWithBackoff() {
    shipsEverything("failing", "{ mode: fail, misbehave: 4 }");
  }

  @Test
  void badSinkEntriesAreNamed() throws Exception {
    java.nio.file.Files.writeString(dir.resolve("gateway.yaml"), TestGateway.header(dir) + """
        audit:
          sinks:
            - test-sink: { mode: sideways }
            - nosuch-sink: {}
            - test-sink: { colour: red }
              timeout: 1ms
        routes:
          - { id: main, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:1" ] }, public: true }
        """);
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () ->
        dev.portcullis.gateway.config.ConfigLoader.load(dir.resolve("gateway.yaml"), k -> null));
    assertThat(e.problems()).extracting(Object::toString).anySatisfy(p -> assertThat(p)
        .endsWith("audit.sinks[0].test-sink.mode: must be hang or fail, got 'sideways'"))
        .anySatisfy(p -> assertThat(p).contains("audit.sinks[1].nosuch-sink: unknown audit sink 'nosuch-sink'; "
            + "installed sinks: test-sink"))
        .anySatisfy(p -> assertThat(p).contains("audit.sinks[2].test-sink.colour: unknown option 'colour'"))
        .anySatisfy(p -> assertThat(p).contains("audit.sinks[2].timeout: must be at least 100ms"));

    java.nio.file.Files.writeString(dir.resolve("twice.yaml"), TestGateway.header(dir) + """
        audit:
          sinks:
            - test-sink: {}
            - test-sink: {}
        routes:
          - { id: main, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:1" ] }, public: true }
        """);
    InvalidConfigException twice = catchThrowableOfType(InvalidConfigException.class, () ->
        dev.portcullis.gateway.config.ConfigLoader.load(dir.resolve("twice.yaml"), k -> null));
    assertThat(twice.problems()).extracting(Object::toString).singleElement().asString()
        .endsWith("twice.yaml:9: audit.sinks[1].name: two sinks are named 'test-sink'; give each a unique name");
  }
}
