package dev.portcullis.plugins.auditkafka;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A throw-away PKI in a directory: {@code ca.pem}; {@code broker.pem} (the broker's PKCS#8 key and
 * its certificate for 127.0.0.1/localhost, in one file as Kafka's PEM key store wants);
 * {@code client.pem} and {@code client.key} (a client certificate and its PKCS#8 key).
 */
final class TestPki {

  private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

  private TestPki() {
  }

  static void write(Path dir) throws Exception {
    Files.createDirectories(dir);
    KeyPair ca = keyPair();
    X500Name caName = new X500Name("CN=Portcullis Test CA");
    X509Certificate caCert = sign(caName, ca, caName, ca.getPublic(), true, null);

    KeyPair broker = keyPair();
    GeneralNames brokerNames = new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")});
    X509Certificate brokerCert = sign(caName, ca, new X500Name("CN=localhost"), broker.getPublic(), false,
        brokerNames);

    KeyPair client = keyPair();
    X509Certificate clientCert = sign(caName, ca, new X500Name("CN=portcullis-audit"), client.getPublic(), false,
        null);

    Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", caCert.getEncoded()));
    Files.writeString(dir.resolve("broker.pem"), key(broker.getPrivate()) + pem("CERTIFICATE", brokerCert.getEncoded()));
    Files.writeString(dir.resolve("client.pem"), pem("CERTIFICATE", clientCert.getEncoded()));
    Files.writeString(dir.resolve("client.key"), key(client.getPrivate()));
  }

  private static KeyPair keyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static X509Certificate sign(X500Name issuer, KeyPair issuerKeys, X500Name subject,
      java.security.PublicKey key, boolean ca, GeneralNames names) throws Exception {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject, key);
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    builder.addExtension(Extension.keyUsage, true, ca
        ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
        : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    if (names != null) {
      builder.addExtension(Extension.subjectAlternativeName, false, names);
    }
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
  }

  private static String key(PrivateKey key) {
    return pem("PRIVATE KEY", key.getEncoded()); // the JDK encodes RSA private keys as PKCS#8
  }

  private static String pem(String type, byte[] der) {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
