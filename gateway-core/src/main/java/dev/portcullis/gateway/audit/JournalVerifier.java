package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a journal directory: every record chains to the one before it, sequence numbers have no
 * gaps and never go back, every sealed segment ends with a checkpoint whose signature and counts
 * hold, no segment is missing, and the journal reaches the record its signed head names. Reports
 * each problem with its place (segment file, line, sequence number); it never stops at the first.
 */
public final class JournalVerifier {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** One thing found, where it was found. {@code line} is 1-based, 0 when not about one line. */
  public record Finding(String segment, long line, long seq, boolean problem, String message) {
    @Override
    public String toString() {
      return (segment == null ? "journal" : segment + (line > 0 ? ":" + line : "")) + (seq > 0 ? " (seq " + seq + ")" : "")
          + ": " + message;
    }
  }

  /** What verification found: {@link #intact()} when no problem (notices are allowed). */
  public record Report(List<Finding> findings, int segments, long records, long firstSeq, long lastSeq,
      String keyFingerprint) {
    public boolean intact() {
      return findings.stream().noneMatch(Finding::problem);
    }

    public List<Finding> problems() {
      return findings.stream().filter(Finding::problem).toList();
    }
  }

  private final CheckpointKey key;
  private final LineCodec codec;

  private JournalVerifier(CheckpointKey key, LineCodec codec) {
    this.key = key;
    this.codec = codec;
  }

  /**
   * @param publicKey     the checkpoint public key (PEM) to trust — ideally a copy kept away from the journal
   * @param encryptionKey the AES-256 key when the journal is encrypted, else null
   */
  public static JournalVerifier create(Path publicKey, byte[] encryptionKey) throws IOException {
    return new JournalVerifier(CheckpointKey.publicOnly(publicKey),
        encryptionKey == null ? LineCodec.plain() : LineCodec.aesGcm(encryptionKey));
  }

  public Report verify(Path directory) throws IOException {
    List<Finding> findings = new ArrayList<>();
    List<SegmentFiles.Segment> segments = SegmentFiles.list(directory);
    JournalHead head = null;
    try {
      head = JournalHead.read(directory);
    } catch (IOException e) {
      findings.add(problem(null, 0, 0, e.getMessage()));
    }
    if (head == null && !segments.isEmpty()) {
      findings.add(problem(null, 0, 0, "journal.head is missing: records cut off the end cannot be detected"));
    } else if (head != null && !head.verifies(key)) {
      findings.add(problem(null, 0, 0, "journal.head's signature does not verify: it was edited, or this is not "
          + "the journal's key"));
      head = null;
    }
    if (segments.isEmpty()) {
      if (head != null && head.seq() > 0) {
        findings.add(problem(null, 0, 0, "every segment is missing (the head says record " + head.seq()
            + " was written)"));
      }
      return new Report(findings, 0, 0, 0, 0, key.fingerprint());
    }
    long expectedFirst = head != null ? head.first() : segments.get(0).number();
    if (segments.get(0).number() > expectedFirst) {
      findings.add(problem(SegmentFiles.path(directory, expectedFirst, segments.get(0).encrypted()).getFileName()
          .toString(), 0, 0, "missing: segments " + expectedFirst + " to " + (segments.get(0).number() - 1)
          + " were deleted (retention had kept them)"));
    }
    for (int i = 1; i < segments.size(); i++) {
      long gapFrom = segments.get(i - 1).number() + 1;
      if (segments.get(i).number() != gapFrom) {
        findings.add(problem(SegmentFiles.path(directory, gapFrom, segments.get(i).encrypted()).getFileName().toString(),
            0, 0, "missing: segments " + gapFrom + " to " + (segments.get(i).number() - 1) + " were deleted"));
      }
    }
    if (head != null && head.segment() > segments.get(segments.size() - 1).number()) {
      findings.add(problem(null, 0, 0, "the head names segment " + head.segment() + " but the last segment is "
          + segments.get(segments.size() - 1).number() + ": segments at the end were deleted"));
    }
    Walk walk = new Walk(findings, head, segments.get(0).number() == 1 ? ChainHash.GENESIS : null);
    for (int i = 0; i < segments.size(); i++) {
      walk.segment(segments.get(i), i == segments.size() - 1);
    }
    for (SegmentFiles.Segment unsealed : walk.unsealed) {
      if (!walk.recoveredFrom.contains(unsealed.number())) {
        findings.add(problem(unsealed.name(), 0, 0, "no checkpoint at the end: records at its end were removed"));
      } else {
        findings.add(new Finding(unsealed.name(), 0, 0, false, "not sealed: the journal failed while writing it and "
            + "recovered in the next segment (see its journal.recovered record)"));
      }
    }
    if (head != null && head.seq() > 0 && !walk.headSeen) {
      findings.add(problem(null, 0, 0, "the journal ends at record " + walk.lastSeq + " but its signed head says record "
          + head.seq() + " was written: records at the end were removed"));
    }
    return new Report(findings, segments.size(), walk.records, walk.firstSeq, walk.lastSeq, key.fingerprint());
  }

  private static Finding problem(String segment, long line, long seq, String message) {
    return new Finding(segment, line, seq, true, message);
  }

  /** The state carried from record to record and segment to segment. */
  private final class Walk {
    final List<Finding> findings;
    final JournalHead head;
    final List<SegmentFiles.Segment> unsealed = new ArrayList<>();
    final Set<Long> recoveredFrom = new HashSet<>();
    String prevHash;
    String prevSegment;
    long prevLine;
    long prevSeq;
    long expectedSeq = -1;
    long records;
    long firstSeq;
    long lastSeq;
    boolean headSeen;

    Walk(List<Finding> findings, JournalHead head, String prevHash) {
      this.findings = findings;
      this.head = head;
      this.prevHash = prevHash;
    }

    void segment(SegmentFiles.Segment segment, boolean last) throws IOException {
      String name = segment.name();
      long segmentFirst = 0;
      long checkpointLine = 0;
      boolean sealed = false;
      try (SegmentReader reader = new SegmentReader(segment.path(), 0, 0)) {
        SegmentReader.Line line;
        while ((line = reader.next()) != null) {
          long lineNo = line.index() + 1;
          String text;
          JsonNode record;
          try {
            text = codec.decode(line.text(), segment.number(), line.index());
            record = JSON.readTree(text);
            if (record == null || !record.isObject() || !record.path("seq").canConvertToLong()
                || !record.path("prev").isTextual()) {
              throw new IOException("not a journal record");
            }
          } catch (IOException | IllegalArgumentException e) {
            findings.add(problem(name, lineNo, 0, "unreadable record (" + e.getMessage().split("\n")[0]
                + "): edited or overwritten"));
            prevHash = null; // resynchronise on the next readable record
            expectedSeq = -1;
            continue;
          }
          long seq = record.get("seq").asLong();
          String prev = record.get("prev").asText();
          if (checkpointLine > 0) {
            findings.add(problem(name, lineNo, seq, "a record after the checkpoint on line " + checkpointLine
                + ": added to a sealed segment"));
          }
          if (expectedSeq >= 0 && seq > expectedSeq) {
            findings.add(problem(name, lineNo, seq, "records " + expectedSeq + (seq - 1 > expectedSeq ? " to " + (seq - 1)
                : "") + " are missing before this line: deleted"));
          } else if (expectedSeq >= 0 && seq < expectedSeq) {
            findings.add(problem(name, lineNo, seq, "sequence goes back from " + (expectedSeq - 1) + " to " + seq
                + ": records were reordered or inserted"));
          } else if (prevHash != null && !prev.equals(prevHash)) {
            findings.add(problem(prevSegment, prevLine, prevSeq, "edited: its hash no longer matches the one the "
                + "next record (" + name + " line " + lineNo + ") holds"));
          }
          String hash = ChainHash.of(text);
          prevHash = hash;
          prevSegment = name;
          prevLine = lineNo;
          prevSeq = seq;
          expectedSeq = seq + 1;
          records++;
          if (firstSeq == 0) {
            firstSeq = seq;
          }
          lastSeq = seq;
          if (segmentFirst == 0) {
            segmentFirst = seq;
          }
          if (head != null && seq == head.seq()) {
            headSeen = true;
            if (!hash.equals(head.hash())) {
              findings.add(problem(name, lineNo, seq, "differs from the record the signed head names: edited"));
            }
          }
          String type = record.path("type").asText();
          if (type.equals("journal.checkpoint")) {
            checkpoint(record, segment, lineNo, seq, prev, segmentFirst);
            checkpointLine = lineNo;
            sealed = true;
          } else if (type.equals("journal.recovered") && record.has("unsealedSegment")) {
            recoveredFrom.add(record.get("unsealedSegment").asLong());
          }
        }
        if (reader.pendingBytes() > 0) {
          findings.add(new Finding(name, reader.index() + 1, 0, !last, last
              ? "incomplete last line (a write cut short by a crash, or in progress)"
              : "ends with an incomplete line: overwritten or cut"));
        }
      }
      if (!sealed && !last) {
        unsealed.add(segment);
      }
    }

    private void checkpoint(JsonNode record, SegmentFiles.Segment segment, long lineNo, long seq, String prev,
        long segmentFirst) {
      String name = segment.name();
      if (!key.verify(ChainHash.checkpointSigned(record.path("segment").asLong(), seq, prev),
          record.path("sig").asText())) {
        findings.add(problem(name, lineNo, seq, "checkpoint signature does not verify: forged, or not this "
            + "journal's key"));
      }
      if (record.path("segment").asLong() != segment.number()) {
        findings.add(problem(name, lineNo, seq, "checkpoint seals segment " + record.path("segment").asLong()
            + ", not this one: segment files were renamed or swapped"));
      }
      if (record.path("records").asLong() != lineNo || record.path("firstSeq").asLong() != segmentFirst) {
        findings.add(problem(name, lineNo, seq, "checkpoint counts " + record.path("records").asLong()
            + " records from seq " + record.path("firstSeq").asLong() + ", found " + lineNo + " from seq "
            + segmentFirst));
      }
    }
  }
}
