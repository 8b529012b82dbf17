package dev.portcullis.gateway.tls;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;

import javax.net.ssl.SSLSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Security;
import java.util.Map;
import java.util.Set;

/**
 * Run in its own JVM by {@link LegacyTlsRefusalTest}. JDK 17 itself refuses TLS 1.0/1.1, so a
 * refusal proves nothing unless the client could have done it: this JVM re-enables the old
 * protocols first, shows that its client completes such a handshake with a permissive server, and
 * only then tries the gateway. Prints {@code RESULT <name>=<ok|refused>} lines.
 */
public final class LegacyTlsProbe {

  private LegacyTlsProbe() {
  }

  public static void main(String[] args) throws Exception {
    Security.setProperty("jdk.tls.disabledAlgorithms", "RC4, DES, MD5withRSA, DH keySize < 1024, EC keySize < 224, "
        + "anon, NULL");
    Path dir = Files.createTempDirectory("legacy-tls");
    SelfSignedCertificate.KeyPairFiles pair = SelfSignedCertificate.ensure(dir.resolve("tls"));

    Vertx vertx = Vertx.vertx();
    NetServer permissive = vertx.createNetServer(new NetServerOptions().setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(pair.cert().toString()).setKeyPath(pair.key().toString()))
        .setEnabledSecureTransportProtocols(Set.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")))
        .connectHandler(socket -> socket.handler(socket::write));
    TestGateway.await(permissive.listen(0, "127.0.0.1"));

    Path config = dir.resolve("gateway.yaml");
    Files.writeString(config, TestGateway.singleRoute(dir, "http://127.0.0.1:9"));
    Gateway gateway = TestGateway.await(Gateway.start(ConfigLoader.load(config, Map.<String, String>of()::get),
        Map.<String, String>of()::get));

    for (String protocol : new String[] {"TLSv1", "TLSv1.1", "TLSv1.2"}) {
      System.out.println("RESULT control-" + protocol + "=" + attempt(permissive.actualPort(), protocol));
    }
    for (String protocol : new String[] {"SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"}) {
      System.out.println("RESULT gateway-" + protocol + "=" + attempt(gateway.publicPort(), protocol));
    }
    TestGateway.await(gateway.shutdown());
    TestGateway.await(vertx.close());
    System.exit(0);
  }

  private static String attempt(int port, String protocol) {
    try (SSLSocket socket = (SSLSocket) Https.trustingContext().getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setEnabledProtocols(new String[] {protocol});
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return socket.getSession().getProtocol().equals(protocol) ? "ok" : "downgraded";
    } catch (Exception e) {
      return "refused";
    }
  }
}
