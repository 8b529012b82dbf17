package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.plugin.testkit.SinkHarness;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: option binding and validation as the gateway runs them. */
class SyslogSinkOptionsTest {

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    SyslogCollector.await(vertx.close());
  }

  private List<String> problems(Map<String, Object> options) {
    return SinkHarness.of(new SyslogSinkFactory(), vertx, dir).problems(options);
  }

  private static Map<String, Object> with(Object... keysAndValues) {
    Map<String, Object> options = new HashMap<>(Map.of("host", "syslog.example", "port", 6514));
    for (int i = 0; i < keysAndValues.length; i += 2) {
      if (keysAndValues[i + 1] == null) {
        options.remove((String) keysAndValues[i]);
      } else {
        options.put((String) keysAndValues[i], keysAndValues[i + 1]);
      }
    }
    return options;
  }

  @Test
  void hostAndPortAreEnoughAndEveryDefaultIsValid() {
    assertThat(problems(with())).isEmpty();
  }

  @Test
  void hostAndPortAreRequired() {
    assertThat(problems(Map.of())).containsExactly(
        "host: is required: the syslog collector's host name or address",
        "port: is required (6514 is the usual syslog-over-TLS port)");
    assertThat(problems(with("host", "bad host"))).containsExactly("host: 'bad host' is not a host name or IP address");
  }

  @ParameterizedTest(name = "port {0}")
  @CsvSource({"0", "-1", "65536", "70000"})
  void portOutOfRangeIsRefused(int port) {
    assertThat(problems(with("port", port))).containsExactly("port: must be between 1 and 65535, got " + port);
  }

  @Test
  void aPortThatIsNotANumberIsRefused() {
    assertThat(problems(with("port", "syslog"))).singleElement().asString().startsWith("port: must be a number");
  }

  @ParameterizedTest(name = "facility {0}")
  @CsvSource({"authpriv", "AUTH", "local0", "local7", "security", "audit", "0", "23"})
  void standardFacilitiesAreAccepted(String facility) {
    assertThat(problems(with("facility", facility))).isEmpty();
  }

  @ParameterizedTest(name = "facility {0}")
  @CsvSource({"local8", "24", "authpri", "-1"})
  void unknownFacilitiesAreRefused(String facility) {
    assertThat(problems(with("facility", facility))).singleElement().asString()
        .startsWith("facility: unknown facility '" + facility + "'");
  }

  @Test
  void plainTcpIsRefusedForANonLoopbackHost() {
    assertThat(problems(with("tls", Map.of("enabled", false)))).singleElement().asString()
        .startsWith("tls.enabled: plain TCP is allowed only to a loopback host").endsWith("keep TLS on for syslog.example");
    assertThat(problems(with("host", "10.1.2.3", "tls", Map.of("enabled", false)))).singleElement().asString()
        .startsWith("tls.enabled: plain TCP is allowed only to a loopback host");
    assertThat(problems(with("host", "127.0.0.1", "tls", Map.of("enabled", false)))).isEmpty();
    assertThat(problems(with("host", "localhost", "tls", Map.of("enabled", false)))).isEmpty();
    assertThat(problems(with("host", "::1", "tls", Map.of("enabled", false)))).isEmpty();
    assertThat(problems(with("host", "127.0.0.1", "tls", Map.of("enabled", false, "caFile", "ca.pem"))))
        .containsExactly("tls: caFile, certFile and keyFile have no effect with enabled: false");
  }

  @Test
  void tlsFilesAreChecked() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "not read here");
    Path missing = dir.resolve("missing.pem");
    assertThat(problems(with("tls", Map.of("caFile", ca.toString())))).isEmpty();
    assertThat(problems(with("tls", Map.of("caFile", missing.toString()))))
        .containsExactly("tls.caFile: no readable file at " + missing);
    assertThat(problems(with("tls", Map.of("caFile", ""))))
        .containsExactly("tls.caFile: must not be empty");
    // certificate verification cannot be switched off
    assertThat(problems(with("tls", Map.of("caFile", ca.toString(), "verify", false))))
        .singleElement().asString().startsWith("tls.verify: unknown option 'verify'");
    assertThat(problems(with("tls", Map.of("certFile", ca.toString()))))
        .containsExactly("tls.keyFile: is required with tls.certFile (mutual TLS needs both)");
    assertThat(problems(with("tls", Map.of("keyFile", ca.toString()))))
        .containsExactly("tls.certFile: is required with tls.keyFile (mutual TLS needs both)");
    assertThat(problems(with("tls", Map.of("certFile", ca.toString(), "keyFile", missing.toString()))))
        .containsExactly("tls.keyFile: no readable file at " + missing);
    assertThat(problems(with("tls", Map.of("ca", "x"))))
        .singleElement().asString().startsWith("tls.ca: unknown option 'ca'");
  }

  @Test
  void aRelativeFileIsResolvedAgainstTheConfigurationDirectoryWhenTheFileIsLoaded() {
    assertThat(problems(with("tls", Map.of("caFile", "pki/ca.pem"))))
        .containsExactly("tls.caFile: no readable file at " + dir.resolve("pki/ca.pem"));
  }

  @Test
  void headerFieldsMustBePrintableAscii() {
    assertThat(problems(with("appName", "my app"))).singleElement().asString()
        .startsWith("appName: must be 1 to 48 printable ASCII characters");
    assertThat(problems(with("appName", "a".repeat(49)))).singleElement().asString().startsWith("appName: ");
    assertThat(problems(with("hostname", "gw\u00e9"))).containsExactly(
        "hostname: must be 1 to 255 printable ASCII characters without spaces");
    assertThat(problems(with("hostname", "h".repeat(256)))).singleElement().asString().startsWith("hostname: ");
  }

  @ParameterizedTest(name = "timeout {0}")
  @CsvSource({"10s, false", "250ms, false", "10, true", "1h, true", "later, true"})
  void timeoutIsADurationBetween100msAnd5m(String timeout, boolean refused) {
    List<String> problems = problems(with("timeout", timeout));
    if (refused) {
      assertThat(problems).singleElement().asString().startsWith("timeout: must be a duration between 100ms and 5m");
    } else {
      assertThat(problems).isEmpty();
    }
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThat(problems(Map.of("port", 0, "facility", "nope", "tls", Map.of("enabled", false, "caFile", "ca.pem"))))
        .extracting(problem -> problem.substring(0, problem.indexOf(':')))
        .containsExactly("host", "port", "tls", "facility");
  }
}
