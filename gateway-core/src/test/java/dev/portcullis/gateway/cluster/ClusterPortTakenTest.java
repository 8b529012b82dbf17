package dev.portcullis.gateway.cluster;

import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A cluster port another process holds stops the start with a message naming it, and nothing stays open. */
class ClusterPortTakenTest {

  @TempDir
  Path dir;

  @Test
  void aTakenClusterPortFailsTheStartNamingThePort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String yaml = TestGateway.header(dir) + IdentityYaml.of("jdbc:h2:mem:taken-" + System.nanoTime()
          + ";DB_CLOSE_DELAY=-1", taken.getLocalPort(), "", "") + """
          routes:
            - id: app
              match: { pathPrefix: /app }
              upstream: { targets: [ "http://127.0.0.1:9" ] }
          """;
      assertThatThrownBy(() -> TestGateway.start(dir, yaml)).hasMessageContaining(
          Integer.toString(taken.getLocalPort()));
    }
  }
}
