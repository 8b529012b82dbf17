package dev.portcullis.plugins.audithttp;

import dev.portcullis.plugin.testkit.SinkHarness;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: option binding and validation as the gateway runs them. */
class HttpSinkOptionsTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    Collector.await(vertx.close());
  }

  private List<String> problems(Map<String, Object> options) {
    return SinkHarness.of(new HttpSinkFactory(), vertx, dir).problems(options);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      https://collector.example/ingest
      https://collector.example:8088/services/collector/raw?channel=abc
      https://10.0.0.5/ingest
      http://127.0.0.1:8686/
      http://localhost:9000/ingest
      http://[::1]:9000/ingest
      http://127.9.9.9/ingest
      """)
  void acceptableUrls(String url) {
    assertThat(problems(Map.of("url", url))).isEmpty();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      http://collector.example/ingest      | url: plain http:// is allowed only to a loopback host
      http://10.0.0.5/ingest               | url: plain http:// is allowed only to a loopback host
      http://localhost.evil.example/x      | url: plain http:// is allowed only to a loopback host
      ftp://collector.example/x            | url: must start with https://
      collector.example/ingest             | url: must start with https://
      https://user:pw@collector.example/x  | url: must not contain user:password@
      https:///ingest                      | url: has no host
      'https://collector example/x'        | url: is not a valid URL
      ''                                   | url: is required
      """)
  void badUrlsAreRefusedNamingTheField(String url, String expected) {
    assertThat(problems(Map.of("url", url))).singleElement().asString().startsWith(expected);
  }

  @Test
  void aUrlIsRequired() {
    assertThat(problems(Map.of())).containsExactly("url: is required: the collector's https:// address");
  }

  @Test
  void anErrorAboutAUrlNeverRepeatsItsCredentials() {
    assertThat(problems(Map.of("url", "https://user:hunter2@collector.example/x")))
        .singleElement().asString().doesNotContain("hunter2");
  }

  @Test
  void headersMustBeValidNotReservedAndTheirValuesAreNeverShown() {
    assertThat(problems(Map.of("url", "https://c.example/", "headers", Map.of("Authorization", "Bearer abc",
        "X-Scope-OrgID", "tenant-1")))).isEmpty();
    assertThat(problems(Map.of("url", "https://c.example/", "headers", Map.of("Bad Name", "x"))))
        .containsExactly("headers: 'Bad Name' is not a valid header name");
    assertThat(problems(Map.of("url", "https://c.example/", "headers", Map.of("Content-Type", "text/plain"))))
        .containsExactly("headers.Content-Type: is set by the sink itself and cannot be configured");
    assertThat(problems(Map.of("url", "https://c.example/", "headers", Map.of("idempotency-key", "x"))))
        .containsExactly("headers.idempotency-key: is set by the sink itself and cannot be configured");
    assertThat(problems(Map.of("url", "https://c.example/", "headers", Map.of("Authorization", "Bearer se\ncret"))))
        .singleElement().asString().startsWith("headers.Authorization: the value contains a line break")
        .doesNotContain("se\ncret").doesNotContain("Bearer");
    assertThat(problems(Map.of("url", "https://c.example/", "headers", Map.of("Authorization", ""))))
        .containsExactly("headers.Authorization: needs a value");
  }

  @ParameterizedTest(name = "timeout {0}")
  @CsvSource({"10, true", "10s, false", "500ms, false", "5m, false", "6m, true", "50ms, true", "soon, true"})
  void timeoutIsADurationBetween100msAnd5m(String timeout, boolean refused) {
    List<String> problems = problems(Map.of("url", "https://c.example/", "timeout", timeout));
    if (refused) {
      assertThat(problems).singleElement().asString().startsWith("timeout: must be a duration between 100ms and 5m");
    } else {
      assertThat(problems).isEmpty();
    }
  }

  @ParameterizedTest(name = "maxBatchBytes {0}")
  @CsvSource({"1KiB, false", "4MiB, false", "1048576, false", "100, true", "1GiB, true", "lots, true"})
  void maxBatchBytesIsASize(String size, boolean refused) {
    List<String> problems = problems(Map.of("url", "https://c.example/", "maxBatchBytes", size));
    if (refused) {
      assertThat(problems).singleElement().asString().startsWith("maxBatchBytes: must be a size between 1KiB and 256MiB");
    } else {
      assertThat(problems).isEmpty();
    }
  }

  @Test
  void tlsOptionsAreChecked() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "not checked here");
    assertThat(problems(Map.of("url", "https://c.example/", "tls", Map.of("caFile", ca.toString())))).isEmpty();
    assertThat(problems(Map.of("url", "https://c.example/", "tls", Map.of("caFile", "ca.pem")))).isEmpty();
    assertThat(problems(Map.of("url", "https://c.example/", "tls", Map.of("caFile", dir.resolve("missing.pem").toString()))))
        .containsExactly("tls.caFile: no readable file at " + dir.resolve("missing.pem"));
    assertThat(problems(Map.of("url", "https://c.example/", "tls", Map.of("caFile", " "))))
        .singleElement().asString().startsWith("tls.caFile: must not be empty");
    assertThat(problems(Map.of("url", "http://127.0.0.1/", "tls", Map.of("caFile", ca.toString()))))
        .containsExactly("tls: applies to an https:// url only");
    // certificate verification cannot be switched off
    assertThat(problems(Map.of("url", "https://c.example/", "tls", Map.of("verify", false))))
        .singleElement().asString().startsWith("tls.verify: unknown option 'verify'");
    assertThat(problems(Map.of("url", "https://c.example/", "tls", Map.of("cafile", "x"))))
        .singleElement().asString().startsWith("tls.cafile: unknown option 'cafile'");
  }

  @Test
  void aRelativeCaFileIsResolvedAgainstTheConfigurationDirectoryWhenTheFileIsLoaded() {
    assertThat(problems(Map.of("url", "https://c.example/", "tls", Map.of("caFile", "pki/ca.pem"))))
        .containsExactly("tls.caFile: no readable file at " + dir.resolve("pki/ca.pem"));
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThat(problems(Map.of("url", "http://collector.example/", "timeout", "forever", "maxBatchBytes", "0",
        "headers", Map.of("Host", "x"))))
        .extracting(problem -> problem.substring(0, problem.indexOf(':')))
        .containsExactlyInAnyOrder("url", "headers.Host", "timeout", "maxBatchBytes");
  }

  @Test
  void unknownOptionsAreRefusedByName() {
    assertThat(problems(Map.of("url", "https://c.example/", "header", Map.of())))
        .singleElement().asString().startsWith("header: unknown option 'header'; known options: ");
  }
}
