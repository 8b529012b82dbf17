package dev.portcullis.gateway.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * AES-256 keys given in configuration: base64 text (usually {@code ${SOME_ENV}}) or a file holding
 * it. Errors name the field and never show the value.
 */
final class AesKeys {

  private AesKeys() {
  }

  /** The 32-byte key in {@code raw} (base64), or null after an error on {@code field}. */
  static byte[] decode(ConfigNode node, String field, String raw) {
    try {
      byte[] key = Base64.getDecoder().decode(raw.trim());
      if (key.length != 32) {
        node.error(field, "must be 32 bytes (AES-256) in base64, e.g. from 'openssl rand -base64 32'; got "
            + key.length + " bytes");
        return null;
      }
      return key;
    } catch (IllegalArgumentException e) {
      node.error(field, "is not base64 (the value is not shown); generate one with 'openssl rand -base64 32'");
      return null;
    }
  }

  /** The key in a file of base64 text, or null after an error on {@code field}. */
  static byte[] read(ConfigNode node, String field, Path file) {
    try {
      return decode(node, field, Files.readString(file, StandardCharsets.US_ASCII));
    } catch (IOException | java.io.UncheckedIOException e) {
      node.error(field, "cannot read '" + file + "': " + e.getMessage());
      return null;
    }
  }
}
