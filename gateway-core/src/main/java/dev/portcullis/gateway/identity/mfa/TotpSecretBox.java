package dev.portcullis.gateway.identity.mfa;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Seals TOTP secrets for the IAM store with AES-256-GCM under a key from the configuration. The
 * user id is the associated data, so a sealed secret copied onto another user's row does not open.
 */
public final class TotpSecretBox {

  private static final Logger LOG = LoggerFactory.getLogger(TotpSecretBox.class);
  private static final int NONCE = 12;
  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKeySpec key;

  public TotpSecretBox(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("the TOTP secret key must be 32 bytes");
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
  }

  /**
   * The key in {@code file}, created (owner-only) when missing: the embedded default, fine for
   * one instance. Several instances must share one key, so production configs set
   * {@code identity.mfa.secretKey} instead.
   */
  public static TotpSecretBox fromGeneratedFile(Path file) {
    try {
      if (!Files.exists(file)) {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
          Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
          Files.createFile(tmp);
        }
        Files.writeString(tmp, Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.US_ASCII);
        try {
          Files.move(tmp, file); // no REPLACE_EXISTING: a key someone else just wrote wins
          LOG.warn("Generated the key that seals TOTP secrets in {}. Back it up with the IAM store; several "
              + "instances must share one key (identity.mfa.secretKey)", file);
        } catch (FileAlreadyExistsException e) {
          Files.deleteIfExists(tmp);
        }
      }
      byte[] key = Base64.getDecoder().decode(Files.readString(file, StandardCharsets.US_ASCII).trim());
      return new TotpSecretBox(key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the TOTP secret key " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("the TOTP secret key file " + file + " does not hold 32 bytes in base64", e);
    }
  }

  public String seal(String userId, byte[] secret) {
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, userId);
      byte[] sealed = cipher.doFinal(secret);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(NONCE + sealed.length)
          .put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  /** The secret, or an exception when the value was not sealed for this user under this key. */
  public byte[] open(String userId, String sealed) {
    try {
      byte[] raw = Base64.getUrlDecoder().decode(sealed);
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, Arrays.copyOf(raw, NONCE), userId);
      return cipher.doFinal(raw, NONCE, raw.length - NONCE);
    } catch (GeneralSecurityException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
      throw new IllegalStateException("a stored TOTP secret does not open with the configured key "
          + "(identity.mfa.secretKey changed?)");
    }
  }

  private Cipher cipher(int mode, byte[] nonce, String userId) throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(128, nonce));
    cipher.updateAAD(("totp|" + userId).getBytes(StandardCharsets.UTF_8));
    return cipher;
  }
}
