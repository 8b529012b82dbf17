package dev.portcullis.gateway.backup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The AES-256 key that seals backup archives: 32 bytes, kept in a file (raw, or base64 text as
 * {@code openssl rand -base64 32} prints it) or in {@code PORTCULLIS_BACKUP_KEY} (base64). Errors never show it.
 */
public final class BackupKey {

  public static final String ENV = "PORTCULLIS_BACKUP_KEY";

  private BackupKey() {
  }

  /** The key in {@code file}: 32 raw bytes, or base64 of them. */
  public static byte[] read(Path file) throws BackupException {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw BackupException.failed("cannot read the key file " + file + ": " + e.getMessage());
    }
    if (content.length == 32) {
      return content;
    }
    byte[] key = decodeOrNull(new String(content, StandardCharsets.US_ASCII));
    if (key == null) {
      throw BackupException.failed("the key file " + file + " holds neither 32 bytes nor base64 of 32 bytes (the "
          + "content is not shown); make one with 'portcullis backup --generate-key FILE'");
    }
    return key;
  }

  /** The key in an environment variable's value (base64). */
  public static byte[] fromEnv(String value) throws BackupException {
    byte[] key = decodeOrNull(value);
    if (key == null) {
      throw BackupException.failed("$" + ENV + " is not base64 of 32 bytes (the value is not shown); make a key "
          + "with 'openssl rand -base64 32'");
    }
    return key;
  }

  /** Writes a new random key (base64 text) to {@code file}, readable by its owner only; never overwrites. */
  public static void generate(Path file) throws BackupException {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
      Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
    } catch (FileAlreadyExistsException e) {
      throw BackupException.failed(file + " already exists: a key is never overwritten (archives sealed with it "
          + "would be lost)");
    } catch (IOException e) {
      throw BackupException.failed("cannot write the key file " + file + ": " + e.getMessage());
    }
  }

  /**
   * A short public name of the key (hex of a domain-separated SHA-256, 16 characters), written into each archive
   * so that a refusal can say which key sealed it. It reveals nothing usable about the key.
   */
  public static String fingerprint(byte[] key) {
    return keyId("backup", key);
  }

  /** The same kind of public name for another key the archive depends on ({@code purpose} separates them). */
  static String keyId(String purpose, byte[] key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(("portcullis-" + purpose + "-key-id\0").getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(sha.digest(key), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] decodeOrNull(String text) {
    try {
      byte[] key = Base64.getDecoder().decode(text.trim());
      return key.length == 32 ? key : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
