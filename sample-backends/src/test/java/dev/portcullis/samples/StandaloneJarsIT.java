package dev.portcullis.samples;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Each sample backend runs alone with {@code java -jar <jar> <port>}, as the README says. */
class StandaloneJarsIT {

  @TempDir
  Path dir;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private HttpResponse<String> runAndGet(String classifier, String path) throws Exception {
    Path jar = Path.of("target", "portcullis-sample-backends-" + System.getProperty("project.version", "0.1.0-SNAPSHOT")
        + "-" + classifier + ".jar");
    assertThat(jar).exists();
    int port = freePort();
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString(), Integer.toString(port))
        .redirectErrorStream(true).redirectOutput(dir.resolve(classifier + ".log").toFile()).start();
    try {
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build();
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> client.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
      assertThat(Files.readString(dir.resolve(classifier + ".log"))).contains("listening on 127.0.0.1:" + port);
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } finally {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void echoJarAnswersWithWhatItReceived() throws Exception {
    JsonObject echo = new JsonObject(runAndGet("echo", "/a/b?c=d").body());
    assertThat(echo.getString("path")).isEqualTo("/a/b");
    assertThat(echo.getString("query")).isEqualTo("c=d");
    assertThat(echo.getLong("bodyLength")).isZero();
  }

  @Test
  void recordsJarServesRecords() throws Exception {
    JsonObject records = new JsonObject(runAndGet("records", "/records").body());
    assertThat(records.getJsonArray("records")).hasSize(4);
  }
}
