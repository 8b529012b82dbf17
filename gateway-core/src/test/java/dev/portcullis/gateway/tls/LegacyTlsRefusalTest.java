package dev.portcullis.gateway.tls;

import dev.portcullis.gateway.support.ForkedJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** SSLv3, TLS 1.0 and 1.1 are refused by the gateway, by a client proven able to speak them. */
class LegacyTlsRefusalTest {

  @TempDir
  Path dir;

  @Test
  void legacyProtocolsAreRefusedEvenWhenTheJdkWouldAllowThem() throws Exception {
    Path log = dir.resolve("probe.log");
    Process probe = ForkedJvm.start(log, List.of("-Xmx256m"), Map.of(), LegacyTlsProbe.class.getName());
    assertThat(probe.waitFor(120, TimeUnit.SECONDS)).as(ForkedJvm.tail(log)).isTrue();
    Map<String, String> results = new HashMap<>();
    for (String line : Files.readAllLines(log)) {
      if (line.startsWith("RESULT ")) {
        String[] kv = line.substring(7).split("=");
        results.put(kv[0], kv[1]);
      }
    }
    assertThat(results).as(ForkedJvm.tail(log)).containsEntry("control-TLSv1.1", "ok")
        .containsEntry("control-TLSv1", "ok");
    assertThat(results)
        .containsEntry("gateway-SSLv3", "refused")
        .containsEntry("gateway-TLSv1", "refused")
        .containsEntry("gateway-TLSv1.1", "refused")
        .containsEntry("gateway-TLSv1.2", "ok")
        .containsEntry("gateway-TLSv1.3", "ok");
  }
}
