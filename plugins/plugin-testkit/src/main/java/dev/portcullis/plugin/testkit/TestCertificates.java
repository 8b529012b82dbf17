package dev.portcullis.plugin.testkit;

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
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A throw-away certificate authority for tests of TLS clients and servers: PEM files (certificate,
 * PKCS#8 key) in a directory, leaf certificates for {@code localhost}, {@code 127.0.0.1} and
 * {@code ::1}. Two authorities never trust each other, which is how a test shows an untrusted peer
 * is refused.
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.authority(dir, "collector-ca");
 * TestCertificates.Pem server = ca.server("collector");
 * // server: new PemKeyCertOptions().setCertPath(server.cert()...).setKeyPath(server.key()...)
 * // client: new PemTrustOptions().addCertPath(ca.cert().toString())
 * }</pre>
 */
public final class TestCertificates {

  /** A certificate and its private key, as PEM files. */
  public record Pem(Path cert, Path key) {
  }

  private final Path dir;
  private final String name;
  private final KeyPair keys;
  private final X500Name subject;
  private final Path cert;

  private TestCertificates(Path dir, String name, KeyPair keys, X500Name subject, Path cert) {
    this.dir = dir;
    this.name = name;
    this.keys = keys;
    this.subject = subject;
    this.cert = cert;
  }

  /** Creates a new authority; its certificate is written to {@code <dir>/<name>.pem}. */
  public static TestCertificates authority(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      KeyPair keys = keyPair();
      X500Name subject = new X500Name("CN=" + name + ", O=Portcullis tests");
      JcaX509v3CertificateBuilder builder = builder(subject, subject, keys);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      Path cert = dir.resolve(name + ".pem");
      Files.writeString(cert, pem("CERTIFICATE", holder.getEncoded()));
      return new TestCertificates(dir, name, keys, subject, cert);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create test authority " + name, e);
    }
  }

  /** The authority's certificate (what a peer puts in its trust store). */
  public Path cert() {
    return cert;
  }

  /** A server certificate for localhost, 127.0.0.1 and ::1, signed by this authority. */
  public Pem server(String leafName) {
    return leaf(leafName, KeyPurposeId.id_kp_serverAuth);
  }

  /** A client certificate (extended key usage clientAuth), signed by this authority. */
  public Pem client(String leafName) {
    return leaf(leafName, KeyPurposeId.id_kp_clientAuth);
  }

  private Pem leaf(String leafName, KeyPurposeId purpose) {
    try {
      KeyPair leafKeys = keyPair();
      JcaX509v3CertificateBuilder builder = builder(subject, new X500Name("CN=" + leafName + ", O=Portcullis tests"),
          leafKeys);
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
          new GeneralName(GeneralName.dNSName, "localhost"),
          new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
          new GeneralName(GeneralName.iPAddress, "::1")}));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      Path certFile = dir.resolve(name + "-" + leafName + "-cert.pem");
      Path keyFile = dir.resolve(name + "-" + leafName + "-key.pem");
      Files.writeString(certFile, pem("CERTIFICATE", holder.getEncoded()));
      Files.writeString(keyFile, pem("PRIVATE KEY", leafKeys.getPrivate().getEncoded()));
      return new Pem(certFile, keyFile);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create test certificate " + leafName, e);
    }
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
    return generator.generateKeyPair();
  }

  private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair subjectKeys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, new SecureRandom()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject,
        subjectKeys.getPublic());
  }

  private static String pem(String type, byte[] der) throws java.io.IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(new PemObject(type, der));
    }
    return out.toString();
  }
}
