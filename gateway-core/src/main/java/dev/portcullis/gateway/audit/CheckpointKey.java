package dev.portcullis.gateway.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The Ed25519 key that signs the journal's checkpoints and head. The private key is a PKCS#8 PEM
 * file (mode 0600, generated on first start when absent); the public key sits beside it as
 * {@code <file>.pub}. Verifying with that file only proves the journal matches the key in the same
 * place: keep a copy of the public key (or its fingerprint, logged at start) elsewhere and verify
 * against that.
 */
final class CheckpointKey {

  private final PrivateKey privateKey;
  private final PublicKey publicKey;

  private CheckpointKey(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
  }

  /** Loads the key pair, generating it when neither file exists. */
  static CheckpointKey loadOrCreate(Path privateFile) throws IOException {
    Path publicFile = publicFile(privateFile);
    try {
      if (!Files.exists(privateFile)) {
        if (Files.exists(publicFile)) {
          throw new IOException("audit signing key " + privateFile + " is missing but " + publicFile
              + " exists; restore the private key (or move both aside to start a new journal)");
        }
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.createDirectories(privateFile.toAbsolutePath().getParent());
        Path tmp = privateFile.resolveSibling(privateFile.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        Files.move(tmp, privateFile);
        Files.writeString(publicFile, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
        return new CheckpointKey(pair.getPrivate(), pair.getPublic());
      }
      KeyFactory factory = KeyFactory.getInstance("Ed25519");
      PrivateKey privateKey = factory.generatePrivate(new PKCS8EncodedKeySpec(read(privateFile, "PRIVATE KEY")));
      PublicKey publicKey = readPublic(publicFile);
      CheckpointKey key = new CheckpointKey(privateKey, publicKey);
      byte[] probe = "probe".getBytes(StandardCharsets.UTF_8);
      if (!key.verify(probe, key.sign(probe))) {
        throw new IOException(publicFile + " is not the public half of " + privateFile);
      }
      return key;
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException("audit signing key " + privateFile + " is not an Ed25519 PKCS#8 PEM key pair: "
          + e.getMessage(), e);
    }
  }

  /** A verifier that holds only a public key. */
  static CheckpointKey publicOnly(Path publicFile) throws IOException {
    try {
      return new CheckpointKey(null, readPublic(publicFile));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IOException(publicFile + " is not an Ed25519 public key PEM: " + e.getMessage(), e);
    }
  }

  static Path publicFile(Path privateFile) {
    return privateFile.resolveSibling(privateFile.getFileName() + ".pub");
  }

  private static PublicKey readPublic(Path file) throws IOException, GeneralSecurityException {
    if (!Files.exists(file)) {
      throw new IOException("public key " + file + " does not exist");
    }
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(read(file, "PUBLIC KEY")));
  }

  String sign(byte[] data) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(privateKey);
      signature.update(data);
      return Base64.getEncoder().encodeToString(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  boolean verify(byte[] data, String signatureBase64) {
    try {
      Signature signature = Signature.getInstance("Ed25519");
      signature.initVerify(publicKey);
      signature.update(data);
      return signature.verify(Base64.getDecoder().decode(signatureBase64));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** SHA-256 of the public key's encoding, hex: what operators pin and compare. */
  String fingerprint() {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(der) + "\n-----END " + type + "-----\n";
  }

  private static byte[] read(Path file, String type) throws IOException {
    String text = Files.readString(file);
    int begin = text.indexOf("-----BEGIN " + type + "-----");
    int end = text.indexOf("-----END " + type + "-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("no " + type + " block");
    }
    return Base64.getMimeDecoder().decode(text.substring(begin + type.length() + 16, end));
  }
}
