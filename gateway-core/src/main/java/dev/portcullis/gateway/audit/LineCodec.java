package dev.portcullis.gateway.audit;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * How a journal record becomes a line on disk: as is (UTF-8 JSON), or sealed with AES-256-GCM and
 * base64-encoded. Each sealed line is bound to its place (segment number and line index as
 * associated data), so a line moved elsewhere does not decrypt. A nonce is a random 64-bit prefix
 * plus a 32-bit counter; the prefix is drawn anew at every start and whenever the counter wraps.
 * Every instance and restart sharing a key draws its own prefix, so a repeat needs two of about
 * 2^32 prefixes drawn under one key to collide, without a secure random number per line.
 */
final class LineCodec {

  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();
  private long noncePrefix;
  private int counter;

  private LineCodec(SecretKeySpec key) {
    this.key = key;
    this.noncePrefix = random.nextLong();
  }

  static LineCodec plain() {
    return new LineCodec(null);
  }

  /** @param key 32 bytes */
  static LineCodec aesGcm(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("the audit encryption key must be 32 bytes (AES-256), got " + key.length);
    }
    return new LineCodec(new SecretKeySpec(key, "AES"));
  }

  boolean encrypted() {
    return key != null;
  }

  /** The bytes to write for one record (without the line break). Writer thread only. */
  byte[] encode(byte[] record, long segment, long lineIndex) {
    if (key == null) {
      return record;
    }
    try {
      if (counter == -1) {
        noncePrefix = random.nextLong(); // 2^32 lines under this prefix: draw a new one
      }
      byte[] nonce = ByteBuffer.allocate(NONCE).putLong(noncePrefix).putInt(counter++).array();
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(place(segment, lineIndex));
      byte[] sealed = new byte[NONCE + cipher.getOutputSize(record.length)];
      System.arraycopy(nonce, 0, sealed, 0, NONCE);
      cipher.doFinal(record, 0, record.length, sealed, NONCE);
      return Base64.getEncoder().encode(sealed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * The record text of one line.
   *
   * @throws IllegalArgumentException when the line is not valid base64 or does not authenticate
   *                                  (edited, moved, or another key)
   */
  String decode(String line, long segment, long lineIndex) {
    if (key == null) {
      return line;
    }
    byte[] sealed;
    try {
      sealed = Base64.getDecoder().decode(line);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an encrypted record (invalid base64)");
    }
    if (sealed.length < NONCE + TAG_BITS / 8) {
      throw new IllegalArgumentException("not an encrypted record (too short)");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE));
      cipher.updateAAD(place(segment, lineIndex));
      return new String(cipher.doFinal(sealed, NONCE, sealed.length - NONCE), StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalArgumentException("does not decrypt: edited, moved from another place, or another key");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  private static byte[] place(long segment, long lineIndex) {
    return ByteBuffer.allocate(16).putLong(segment).putLong(lineIndex).array();
  }
}
