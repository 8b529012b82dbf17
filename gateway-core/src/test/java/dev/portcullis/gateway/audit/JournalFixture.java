package dev.portcullis.gateway.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Opens journals in a directory with test-sized settings, fills them, and edits their files. */
final class JournalFixture {

  final Path dir;
  final Path key;

  JournalFixture(Path root) {
    this.dir = root.resolve("audit");
    this.key = root.resolve("audit-signing-key.pem");
  }

  Journal.Settings settings(long segmentBytes, byte[] encryptionKey) {
    return new Journal.Settings(dir, Duration.ofMillis(2), segmentBytes, Duration.ofDays(1), Duration.ofDays(400),
        encryptionKey, key, 65_536, Duration.ofMillis(50));
  }

  Journal open(long segmentBytes, byte[] encryptionKey) throws IOException {
    return Journal.open(settings(segmentBytes, encryptionKey), Clock.systemUTC(), new EventIds("test-instance"));
  }

  /** Appends {@code count} access events and waits for each. */
  static List<Long> fill(Journal journal, int count, boolean sync) throws Exception {
    EventIds ids = new EventIds("test-instance");
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] event = AuditEventWriter.event("access", ids.next(), java.time.Instant.now(), "test-instance")
          .put("route", "records").put("path", "/api/records/" + i).put("decision", "allow").bytes();
      seqs.add(journal.append(event, sync).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    }
    return seqs;
  }

  JournalVerifier.Report verify(byte[] encryptionKey) throws IOException {
    return JournalVerifier.create(CheckpointKey.publicFile(key), encryptionKey).verify(dir);
  }

  Path segment(long number) {
    Path plain = SegmentFiles.path(dir, number, false);
    return Files.exists(plain) ? plain : SegmentFiles.path(dir, number, true);
  }

  List<String> lines(long segment) throws IOException {
    return new ArrayList<>(Files.readAllLines(segment(segment), StandardCharsets.UTF_8));
  }

  void write(long segment, List<String> lines) throws IOException {
    Files.writeString(segment(segment), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }
}
