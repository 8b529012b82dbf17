package dev.portcullis.gateway.tls;

import dev.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The PEM certificate and key a listener serves, read into memory with a digest of their content so
 * that a watcher can tell when the files really changed (not just their timestamps).
 */
public record CertificateFiles(Path cert, Path key) {

  /** What was read: the key material and the digest of both files. */
  public record Loaded(PemKeyCertOptions options, byte[] digest) {
    public boolean sameAs(Loaded other) {
      return other != null && Arrays.equals(digest, other.digest);
    }
  }

  /** The configured files, or the self-signed pair in {@code dataDir/tls} (created on first use). Blocking. */
  public static CertificateFiles resolve(GatewayConfig.Tls tls, Path dataDir) {
    if (tls.selfSigned()) {
      SelfSignedCertificate.KeyPairFiles pair = SelfSignedCertificate.ensure(dataDir.resolve("tls"));
      return new CertificateFiles(pair.cert(), pair.key());
    }
    return new CertificateFiles(tls.cert(), tls.key());
  }

  /** Reads both files. Blocking: call from a worker. */
  public Loaded load() throws IOException {
    byte[] certBytes = Files.readAllBytes(cert);
    byte[] keyBytes = Files.readAllBytes(key);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(certBytes);
      sha.update(keyBytes);
      PemKeyCertOptions options = new PemKeyCertOptions()
          .setCertValue(Buffer.buffer(certBytes))
          .setKeyValue(Buffer.buffer(keyBytes));
      return new Loaded(options, sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
