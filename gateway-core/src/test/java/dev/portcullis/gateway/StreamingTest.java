package dev.portcullis.gateway;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.Https;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1 GiB up and 1 GiB down through a gateway whose heap is capped at 64 MiB: only streaming with
 * backpressure can pass (buffering either body would need sixteen times the heap).
 */
class StreamingTest {

  private static final long GIB = 1024L * 1024 * 1024;

  @TempDir
  Path dir;

  /** Generates {@code size} bytes of the pattern 0..255 without holding them. */
  private static InputStream pattern(long size) {
    return new InputStream() {
      long sent;

      @Override
      public int read() {
        return sent < size ? (int) (sent++ & 0xff) : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (sent >= size) {
          return -1;
        }
        int n = (int) Math.min(len, size - sent);
        for (int i = 0; i < n; i++) {
          b[off + i] = (byte) (sent + i);
        }
        sent += n;
        return n;
      }
    };
  }

  @Test
  void oneGibibyteEachWayThroughA64MiBHeap() throws Exception {
    try (Backends backends = new Backends();
         ForkedGateway gateway = ForkedGateway.start(dir, """
             limits: { maxBodySize: 2GiB }
             routes:
               - { id: big, match: { pathPrefix: / }, upstream: { targets: [ "%s" ] }, public: true }
             """.formatted(backends.echo()), List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m"))) {
      HttpClient client = Https.client();

      HttpResponse<String> upload = client.send(HttpRequest.newBuilder(URI.create(gateway.url("/upload")))
          .POST(HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(() -> pattern(GIB)), GIB))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(upload.statusCode()).as(gateway.logTail()).isEqualTo(200);
      assertThat(new JsonObject(upload.body()).getLong("bodyLength")).isEqualTo(GIB);

      HttpResponse<InputStream> download = client.send(HttpRequest.newBuilder(
          URI.create(gateway.url("/bytes?n=" + GIB))).build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(download.statusCode()).isEqualTo(200);
      long received = 0;
      boolean patternHolds = true;
      byte[] buffer = new byte[1 << 16];
      try (InputStream in = download.body()) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          for (int i = 0; i < n; i += 4093) {
            patternHolds &= buffer[i] == (byte) (received + i);
          }
          received += n;
        }
      }
      assertThat(received).isEqualTo(GIB);
      assertThat(patternHolds).as("bytes arrive unaltered and in order").isTrue();
      assertThat(gateway.process().isAlive()).as(gateway.logTail()).isTrue();
      assertThat(gateway.logTail()).doesNotContain("OutOfMemoryError");
    }
  }
}
