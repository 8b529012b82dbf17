package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.plugin.audit.AuditRecord;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the journal forward from a position, across segments, decrypting as needed. Blocking: use it
 * on a worker. Returns only records the writer has finished ({@code seq <= upTo}), never part of a
 * batch still being written.
 */
final class JournalCursor implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JournalCursor.class);

  /** Where reading continues: a segment, a byte offset in it and the index of the line there. */
  record Position(long segment, long offset, long line) {
    static final Position START = new Position(0, 0, 0);
  }

  private final Path directory;
  private final LineCodec codec;
  private Position position;
  private SegmentReader reader;

  JournalCursor(Path directory, LineCodec codec, Position position) {
    this.directory = directory;
    this.codec = codec;
    this.position = position;
  }

  Position position() {
    return position;
  }

  /** Moves back (or on) to a position, e.g. to re-read a batch a sink refused. */
  void seek(Position to) throws IOException {
    closeReader();
    position = to;
  }

  /**
   * Up to {@code max} records after the current position with {@code seq <= upTo}.
   *
   * @throws IOException when a segment cannot be read or a record cannot be decoded (the journal was
   *                     damaged; `audit verify` says where)
   */
  List<AuditRecord> read(int max, long upTo) throws IOException {
    List<AuditRecord> out = new ArrayList<>(Math.min(max, 1024));
    if (position.segment() == 0) {
      List<SegmentFiles.Segment> segments = SegmentFiles.list(directory);
      if (segments.isEmpty()) {
        return out;
      }
      position = new Position(segments.get(0).number(), 0, 0);
    }
    boolean rereadAfterNext = false;
    while (out.size() < max) {
      Path file = SegmentFiles.path(directory, position.segment(), codec.encrypted());
      if (!Files.exists(file)) {
        // retention may have removed segments a new cursor starts before; jump to the oldest kept
        List<SegmentFiles.Segment> segments = SegmentFiles.list(directory);
        if (!segments.isEmpty() && segments.get(0).number() > position.segment()) {
          position = new Position(segments.get(0).number(), 0, 0);
          closeReader();
          continue;
        }
        return out;
      }
      if (reader == null) {
        if (!atLineStart(file, position.offset())) {
          // an offset past what survived a power loss, or inside a line: read the segment again from
          // its start (receivers deduplicate what they already have)
          LOG.warn("Audit reader position {}:{} is not at a record boundary; reading {} again from its start",
              file.getFileName(), position.offset(), file.getFileName());
          position = new Position(position.segment(), 0, 0);
        }
        reader = new SegmentReader(file, position.offset(), position.line());
      }
      SegmentReader.Line line = reader.next();
      if (line == null) {
        closeReader();
        if (!Files.exists(SegmentFiles.path(directory, position.segment() + 1, codec.encrypted()))) {
          return out;
        }
        if (!rereadAfterNext) {
          rereadAfterNext = true; // the writer finished this segment before creating the next: read its rest
          continue;
        }
        position = new Position(position.segment() + 1, 0, 0);
        rereadAfterNext = false;
        continue;
      }
      String text = codec.decode(line.text(), position.segment(), line.index());
      JsonNode record = JSON.readTree(text);
      if (record == null || !record.isObject() || record.path("seq").asLong() <= 0 || !record.path("prev").isTextual()
          || record.path("id").asText("").isEmpty()) {
        throw new IOException("audit segment " + file.getFileName() + " line " + (line.index() + 1)
            + " is not a journal record; run 'portcullis audit verify'");
      }
      long seq = record.path("seq").asLong();
      if (seq > upTo) {
        closeReader();
        return out;
      }
      out.add(new AuditRecord(record.path("id").asText(), seq, text));
      position = new Position(position.segment(), line.end(), line.index() + 1);
    }
    return out;
  }

  /** Moves past every record up to {@code upTo} without keeping them (a live tail starts at the end). */
  void skip(long upTo) throws IOException {
    while (!read(1024, upTo).isEmpty()) {
      // keep reading
    }
  }

  private static boolean atLineStart(Path file, long offset) throws IOException {
    if (offset == 0) {
      return true;
    }
    try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.READ)) {
      if (offset > channel.size()) {
        return false;
      }
      java.nio.ByteBuffer before = java.nio.ByteBuffer.allocate(1);
      return channel.read(before, offset - 1) == 1 && before.get(0) == '\n';
    }
  }

  private void closeReader() throws IOException {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  @Override
  public void close() throws IOException {
    closeReader();
  }
}
