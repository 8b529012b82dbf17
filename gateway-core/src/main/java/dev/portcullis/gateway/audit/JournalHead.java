package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The journal's signed head ({@code journal.head}): the oldest segment kept, and the last record
 * known to be on disk (segment, sequence number and hash). Rewritten at most once a second after an fsync (and when a segment is sealed or the journal closes), so cutting
 * records off the end of the journal — which a hash chain alone cannot reveal — shows up as a head
 * that points past the end.
 *
 * @param first   the oldest segment retention has kept
 * @param segment the segment holding record {@code seq}
 * @param seq     the last record synced to disk (0 before the first)
 * @param hash    that record's hash ({@link ChainHash#GENESIS} before the first)
 */
record JournalHead(long first, long segment, long seq, String hash, String signature) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static JournalHead signed(CheckpointKey key, long first, long segment, long seq, String hash) {
    return new JournalHead(first, segment, seq, hash, key.sign(ChainHash.headSigned(first, segment, seq, hash)));
  }

  boolean verifies(CheckpointKey key) {
    return key.verify(ChainHash.headSigned(first, segment, seq, hash), signature);
  }

  void write(Path directory) throws IOException {
    SegmentFiles.replaceDurably(directory.resolve(SegmentFiles.HEAD), JSON.createObjectNode().put("first", first)
        .put("segment", segment).put("seq", seq).put("hash", hash).put("sig", signature).toString() + "\n");
  }

  /** The head in the directory, or null when there is none. */
  static JournalHead read(Path directory) throws IOException {
    Path file = directory.resolve(SegmentFiles.HEAD);
    if (!Files.exists(file)) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(Files.readString(file));
      return new JournalHead(node.required("first").asLong(), node.required("segment").asLong(),
          node.required("seq").asLong(), node.required("hash").asText(), node.required("sig").asText());
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException(file + " is not a journal head: " + e.getMessage(), e);
    }
  }
}
