package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class JournalTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path root;

  @Test
  void recordsAreChainedSealedAndVerify() throws Exception {
    JournalFixture fx = new JournalFixture(root);
    Journal journal = fx.open(4096, null);
    List<Long> seqs = JournalFixture.fill(journal, 120, false);
    journal.close();

    assertThat(seqs).doesNotHaveDuplicates().isSorted();
    JournalVerifier.Report report = fx.verify(null);
    assertThat(report.findings()).isEmpty();
    assertThat(report.segments()).isGreaterThan(3);
    // every segment ends with a checkpoint that seals it
    for (long n = 1; n <= report.segments(); n++) {
      List<String> lines = fx.lines(n);
      JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
      assertThat(last.get("type").asText()).isEqualTo("journal.checkpoint");
      assertThat(last.get("segment").asLong()).isEqualTo(n);
      assertThat(last.get("records").asLong()).isEqualTo(lines.size());
    }
    // the chain: each record's prev is the SHA-256 of the record before it
    List<String> first = fx.lines(1);
    assertThat(JSON.readTree(first.get(0)).get("prev").asText()).isEqualTo(ChainHash.GENESIS);
    assertThat(JSON.readTree(first.get(1)).get("prev").asText()).isEqualTo(ChainHash.of(first.get(0)));
    assertThat(JSON.readTree(fx.lines(2).get(0)).get("prev").asText())
        .isEqualTo(ChainHash.of(first.get(first.size() - 1)));
  }

  @Test
  void aRestartContinuesTheChainInANewSegment() throws Exception {
    JournalFixture fx = new JournalFixture(root);
    Journal journal = fx.open(1 << 20, null);
    JournalFixture.fill(journal, 5, false);
    journal.close();
    journal = fx.open(1 << 20, null);
    List<Long> seqs = JournalFixture.fill(journal, 5, true);
    journal.close();

    assertThat(seqs.get(0)).isEqualTo(7); // 5 events and the first segment's checkpoint came before
    JournalVerifier.Report report = fx.verify(null);
    assertThat(report.findings()).isEmpty();
    assertThat(report.segments()).isEqualTo(2);
    assertThat(report.lastSeq()).isEqualTo(12);
  }

  @Test
  void anEditedRecordIsFoundAtItsLine() throws Exception {
    JournalFixture fx = filled(null);
    List<String> lines = fx.lines(1);
    lines.set(4, lines.get(4).replace("/api/records/4", "/api/records/X"));
    fx.write(1, lines);

    assertThat(problems(fx, null)).containsExactly(
        "segment-00000001.jsonl:5 (seq 5): edited: its hash no longer matches the one the next record "
            + "(segment-00000001.jsonl line 6) holds");
  }

  @Test
  void aDeletedRecordIsFoundWhereItWas() throws Exception {
    JournalFixture fx = filled(null);
    List<String> lines = fx.lines(1);
    lines.remove(4);
    fx.write(1, lines);

    assertThat(problems(fx, null)).first().asString()
        .isEqualTo("segment-00000001.jsonl:5 (seq 6): records 5 are missing before this line: deleted");
  }

  @Test
  void anInsertedRecordIsFound() throws Exception {
    JournalFixture fx = filled(null);
    List<String> lines = fx.lines(1);
    lines.add(3, lines.get(2));
    fx.write(1, lines);

    assertThat(problems(fx, null)).first().asString()
        .isEqualTo("segment-00000001.jsonl:4 (seq 3): sequence goes back from 3 to 3: records were reordered or "
            + "inserted");
  }

  @Test
  void reorderedRecordsAreFound() throws Exception {
    JournalFixture fx = filled(null);
    List<String> lines = fx.lines(1);
    String third = lines.get(2);
    lines.set(2, lines.get(3));
    lines.set(3, third);
    fx.write(1, lines);

    assertThat(problems(fx, null)).contains(
        "segment-00000001.jsonl:3 (seq 4): records 3 are missing before this line: deleted",
        "segment-00000001.jsonl:4 (seq 3): sequence goes back from 4 to 3: records were reordered or inserted");
  }

  @Test
  void recordsCutOffTheEndAreFoundThroughTheSignedHead() throws Exception {
    JournalFixture fx = filled(null);
    long last = fx.verify(null).segments();
    List<String> lines = fx.lines(last);
    fx.write(last, lines.subList(0, lines.size() - 2));

    assertThat(problems(fx, null)).anyMatch(p -> p.contains("records at the end were removed"));
    // and the gateway refuses to continue such a journal instead of papering over the cut
    assertThatThrownBy(() -> fx.open(4096, null)).hasMessageContaining("records were removed");
  }

  @Test
  void aDeletedSegmentIsFound() throws Exception {
    JournalFixture fx = filled(null);
    Files.delete(fx.segment(2));

    assertThat(problems(fx, null)).contains("segment-00000002.jsonl: missing: segments 2 to 2 were deleted");
    Files.delete(fx.segment(1));
    assertThat(problems(fx, null)).contains(
        "segment-00000001.jsonl: missing: segments 1 to 2 were deleted (retention had kept them)");
  }

  @Test
  void aForgedCheckpointIsFound() throws Exception {
    JournalFixture fx = filled(null);
    List<String> lines = fx.lines(1);
    int last = lines.size() - 1;
    String forged = lines.get(last).replaceAll("\"sig\":\"[^\"]+\"", "\"sig\":\""
        + java.util.Base64.getEncoder().encodeToString(new byte[64]) + "\"");
    lines.set(last, forged);
    // keep the chain intact past the forged line, as a careful forger would: fix the next record's prev
    fx.write(1, lines);

    assertThat(problems(fx, null)).anyMatch(p -> p.startsWith("segment-00000001.jsonl:" + (last + 1))
        && p.contains("checkpoint signature does not verify"));
  }

  @Test
  void encryptedSegmentsHoldNoPlainTextAndAnEditIsFound() throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    JournalFixture fx = filled(key);
    String onDisk = Files.readString(fx.segment(1));
    assertThat(onDisk).doesNotContain("/api/records").doesNotContain("access");
    assertThat(fx.verify(key).findings()).isEmpty();

    List<String> lines = fx.lines(1);
    char[] chars = lines.get(2).toCharArray();
    chars[20] = chars[20] == 'A' ? 'B' : 'A';
    lines.set(2, new String(chars));
    fx.write(1, lines);
    assertThat(problems(fx, key)).first().asString().startsWith("segment-00000001.jsonl.enc:3: unreadable record "
        + "(does not decrypt");

    byte[] other = new byte[32];
    assertThat(problems(fx, other)).isNotEmpty();
  }

  @Test
  void aRecordCutShortByACrashIsRemovedAtStart() throws Exception {
    JournalFixture fx = filled(null);
    long last = fx.verify(null).segments();
    Files.writeString(fx.segment(last), "{\"seq\":99,\"prev\":\"ab", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    assertThat(fx.verify(null).findings()).singleElement().asString()
        .contains("incomplete last line (a write cut short by a crash, or in progress)");

    Journal journal = fx.open(4096, null);
    JournalFixture.fill(journal, 3, false);
    journal.close();
    assertThat(fx.verify(null).findings()).isEmpty();
  }

  @Test
  void aJournalThatCannotBeWrittenRefusesAppendsAndRecoversWhenItCan() throws Exception {
    JournalFixture fx = new JournalFixture(root);
    Journal journal = fx.open(4096, null);
    List<Boolean> availability = new CopyOnWriteArrayList<>();
    journal.addListener(new Journal.Listener() {
      @Override
      public void availability(boolean available, String reason) {
        availability.add(available);
      }
    });
    JournalFixture.fill(journal, 2, false);
    // the next segment is a full disk: writes to /dev/full fail with ENOSPC
    Path next = SegmentFiles.path(fx.dir, 2, false);
    Files.createSymbolicLink(next, Path.of("/dev/full"));
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      try {
        JournalFixture.fill(journal, 20, false);
        return false;
      } catch (java.util.concurrent.ExecutionException e) {
        return e.getCause() instanceof Journal.JournalUnavailableException;
      }
    });
    assertThat(journal.failure()).contains("No space left on device");
    assertThat(availability).containsExactly(false);
    assertThatThrownBy(() -> journal.append("{\"type\":\"x\"}".getBytes(StandardCharsets.UTF_8), false)
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(Journal.JournalUnavailableException.class);

    Files.delete(next);
    await().atMost(Duration.ofSeconds(10)).until(() -> journal.failure() == null);
    assertThat(availability).containsExactly(false, true);
    JournalFixture.fill(journal, 5, true);
    journal.close();

    JournalVerifier.Report report = fx.verify(null);
    assertThat(report.findings()).isEmpty();
    JsonNode recovered = JSON.readTree(fx.lines(2).get(0));
    assertThat(recovered.get("type").asText()).isEqualTo("journal.recovered");
    assertThat(recovered.get("refused").asLong()).isPositive();
  }

  @Test
  void aJournalWithoutItsHeadIsRefusedAtStart() throws Exception {
    JournalFixture fx = filled(null);
    Files.delete(fx.dir.resolve(SegmentFiles.HEAD));
    assertThatThrownBy(() -> fx.open(4096, null)).hasMessageContaining("has segments but no journal.head");
  }

  @Test
  void aCrashRightAfterAStartThatWroteNothingIsRecoveredFrom() throws Exception {
    JournalFixture fx = filled(null);
    Journal running = fx.open(4096, null); // opens an empty segment; its head names the last sealed record
    Path crashed = root.resolve("crashed");
    try {
      // the files as a crash would leave them now
      Files.createDirectories(crashed.resolve("audit"));
      try (var files = Files.list(fx.dir)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          Files.copy(file, crashed.resolve("audit").resolve(file.getFileName()));
        }
      }
      Files.copy(fx.key, crashed.resolve(fx.key.getFileName()));
      Files.copy(CheckpointKey.publicFile(fx.key), crashed.resolve(CheckpointKey.publicFile(fx.key).getFileName()));
    } finally {
      running.close();
    }
    JournalFixture after = new JournalFixture(crashed);
    Journal reopened = after.open(4096, null);
    JournalFixture.fill(reopened, 3, false);
    reopened.close();
    assertThat(after.verify(null).findings()).isEmpty();
  }

  @Test
  void aRecordEditedAfterTheHeadWasSignedIsRefusedAtStart() throws Exception {
    JournalFixture fx = filled(null);
    long last = fx.verify(null).segments();
    List<String> lines = fx.lines(last);
    int at = lines.size() - 1; // the checkpoint the head names
    lines.set(at, lines.get(at).replace("\"records\"", "\"records\" "));
    fx.write(last, lines);
    assertThatThrownBy(() -> fx.open(4096, null)).hasMessageContaining("does not hold the record its signed head names");
  }

  @Test
  void theHeadCatchesUpWithTheLastRecordOnceTrafficStops() throws Exception {
    JournalFixture fx = new JournalFixture(root);
    Journal journal = fx.open(1 << 20, null);
    try {
      List<Long> seqs = JournalFixture.fill(journal, 5, false);
      long last = seqs.get(seqs.size() - 1);
      await().atMost(Duration.ofSeconds(5)).until(() -> JournalHead.read(fx.dir).seq() == last);
      assertThat(journal.syncedSeq()).isEqualTo(last);
    } finally {
      journal.close();
    }
  }

  @Test
  void syncAppendsCompleteOnlyOnceOnDiskAndAllCompleteAtClose() throws Exception {
    JournalFixture fx = new JournalFixture(root);
    Journal journal = fx.open(1 << 20, null);
    List<Journal.Ticket> tickets = new java.util.ArrayList<>();
    for (int i = 0; i < 50; i++) {
      tickets.add(journal.submit(("{\"type\":\"access\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8), true));
    }
    journal.close();
    assertThat(tickets).allSatisfy(t -> assertThat(t.done()).isTrue());
    assertThat(journal.syncedSeq()).isGreaterThanOrEqualTo(tickets.get(49).seq());
    assertThat(fx.verify(null).findings()).isEmpty();
  }

  private JournalFixture filled(byte[] key) throws Exception {
    JournalFixture fx = new JournalFixture(root);
    Journal journal = fx.open(4096, key);
    JournalFixture.fill(journal, 60, false);
    journal.close();
    assertThat(fx.verify(key).findings()).isEmpty();
    return fx;
  }

  private static List<String> problems(JournalFixture fx, byte[] key) throws Exception {
    return fx.verify(key).problems().stream().map(JournalVerifier.Finding::toString).toList();
  }
}
