package dev.portcullis.gateway.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The journal's hash chain: every record starts with {@code {"seq":N,"prev":"<hex>",} where
 * {@code prev} is the SHA-256 of the previous record's text (its UTF-8 bytes, without the line
 * break); the very first record's {@code prev} is {@link #GENESIS}. Also the texts that the
 * checkpoint and head signatures cover.
 */
final class ChainHash {

  static final String GENESIS = "0".repeat(64);

  private ChainHash() {
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String of(String recordText) {
    return HexFormat.of().formatHex(sha256().digest(recordText.getBytes(StandardCharsets.UTF_8)));
  }

  /** What a checkpoint's {@code sig} signs: the segment it seals and the chain up to it. */
  static byte[] checkpointSigned(long segment, long seq, String prev) {
    return ("portcullis-audit-checkpoint\n" + segment + "\n" + seq + "\n" + prev).getBytes(StandardCharsets.US_ASCII);
  }

  /** What the head file's {@code sig} signs. */
  static byte[] headSigned(long first, long segment, long seq, String hash) {
    return ("portcullis-audit-head\n" + first + "\n" + segment + "\n" + seq + "\n" + hash)
        .getBytes(StandardCharsets.US_ASCII);
  }
}
