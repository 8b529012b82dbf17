package dev.portcullis.gateway.tls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Creates (once) a self-signed certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1}
 * in the data directory, for when no certificate is configured. Browsers will warn, as they should:
 * this exists so that the gateway never serves plain HTTP, not as a production certificate.
 */
public final class SelfSignedCertificate {

  private static final Logger LOG = LoggerFactory.getLogger(SelfSignedCertificate.class);

  /** Where the pair lives. */
  public record KeyPairFiles(Path cert, Path key) {
  }

  private SelfSignedCertificate() {
  }

  /** Returns the pair in {@code dir}, generating it first if it is not there. Blocking: call off the event loop. */
  public static KeyPairFiles ensure(Path dir) {
    Path cert = dir.resolve("self-signed-cert.pem");
    Path key = dir.resolve("self-signed-key.pem");
    if (Files.isRegularFile(cert) && Files.isRegularFile(key)) {
      warn(cert);
      return new KeyPairFiles(cert, key);
    }
    try {
      Files.createDirectories(dir);
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = generator.generateKeyPair();
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=localhost, O=Portcullis self-signed");
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          new BigInteger(128, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
          Date.from(now.plus(Duration.ofDays(825))), subject, pair.getPublic());
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.dNSName, "localhost"),
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
          new GeneralName(GeneralName.iPAddress, "::1")}));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
      X509CertificateHolder holder = builder.build(signer);
      writeAtomically(key, pem(new PemObject("PRIVATE KEY", pair.getPrivate().getEncoded())), true);
      writeAtomically(cert, pem(new PemObject("CERTIFICATE", holder.getEncoded())), false);
      LOG.warn("Generated a self-signed certificate at {}", cert);
      warn(cert);
      return new KeyPairFiles(cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the self-signed certificate in " + dir, e);
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot generate a self-signed certificate", e);
    }
  }

  private static void warn(Path cert) {
    LOG.warn("*** No TLS certificate configured: serving the SELF-SIGNED certificate {}. "
        + "Clients cannot verify it. Configure listeners.public.tls.cert and .key for production. ***", cert);
  }

  private static String pem(PemObject object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }

  private static void writeAtomically(Path target, String content, boolean secret) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".pem");
    try {
      if (secret) {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          LOG.debug("file system has no POSIX permissions; {} keeps default permissions", target);
        }
      }
      Files.writeString(tmp, content, StandardCharsets.US_ASCII);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
