package dev.portcullis.plugins.auditkafka;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Options: every bad value is reported with its field; the producer configuration they give. No broker. */
class KafkaSinkFactoryTest {

  private static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  private static final String KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";
  private static final String RSA_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n";

  @TempDir
  static Path dir;

  private static Vertx vertx;
  private final KafkaSinkFactory factory = new KafkaSinkFactory();

  @BeforeAll
  static void files() throws IOException {
    Files.writeString(dir.resolve("ca.pem"), CERT);
    Files.writeString(dir.resolve("client.pem"), CERT);
    Files.writeString(dir.resolve("client.key"), KEY);
    Files.writeString(dir.resolve("client-rsa.key"), RSA_KEY);
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  static Stream<Arguments> badOptions() {
    String ca = dir.resolve("ca.pem").toString();
    String cert = dir.resolve("client.pem").toString();
    String key = dir.resolve("client.key").toString();
    String missing = dir.resolve("nope.pem").toString();
    return Stream.of(
        bad("bootstrap absent", config(null, "audit"), "bootstrap: is required (host:port[,host:port])"),
        bad("bootstrap blank", config("  ", "audit"), "bootstrap: is required (host:port[,host:port])"),
        bad("bootstrap without port", config("kafka1", "audit"),
            "bootstrap: 'kafka1' is not host:port (an IPv6 address is written [addr]:port)"),
        bad("bootstrap port out of range", config("kafka1:70000", "audit"),
            "bootstrap: 'kafka1:70000' has port '70000', allowed 1..65535"),
        bad("bootstrap port not a number", config("kafka1:http", "audit"),
            "bootstrap: 'kafka1:http' has port 'http', allowed 1..65535"),
        bad("bootstrap with a scheme", config("PLAINTEXT://kafka1:9092", "audit"),
            "bootstrap: 'PLAINTEXT://kafka1:9092' is not host:port (an IPv6 address is written [addr]:port)"),
        bad("bootstrap with an empty entry", config("kafka1:9092,,kafka2:9092", "audit"),
            "bootstrap: has an empty entry in 'kafka1:9092,,kafka2:9092'"),
        bad("bare IPv6 address", config("::1:9092", "audit"),
            "bootstrap: '::1:9092' is not host:port (an IPv6 address is written [addr]:port)"),
        bad("topic absent", config("kafka1:9092", null), "topic: is required"),
        bad("topic with a space", config("kafka1:9092", "audit events"),
            "topic: 'audit events' is not a valid Kafka topic name (1 to 249 of the characters a-z A-Z 0-9 . _ -, "
                + "and not '.' or '..')"),
        bad("topic '..'", config("kafka1:9092", ".."),
            "topic: '..' is not a valid Kafka topic name (1 to 249 of the characters a-z A-Z 0-9 . _ -, "
                + "and not '.' or '..')"),
        bad("topic too long", config("kafka1:9092", "a".repeat(250)),
            "topic: '" + "a".repeat(250) + "' is not a valid Kafka topic name (1 to 249 of the characters "
                + "a-z A-Z 0-9 . _ -, and not '.' or '..')"),
        bad("clientId with a slash", new KafkaSinkConfig("kafka1:9092", "audit", "gw/1", null, null),
            "clientId: 'gw/1' must be 1 to 255 of the characters a-z A-Z 0-9 . _ -"),
        bad("deliveryTimeout without a unit", timeout("30"),
            "deliveryTimeout: '30' is not a duration such as 500ms, 30s, 2m"),
        bad("deliveryTimeout too short", timeout("500ms"), "deliveryTimeout: is 500ms, allowed 1s..10m"),
        bad("deliveryTimeout too long", timeout("2h"), "deliveryTimeout: is 2h, allowed 1s..10m"),
        bad("tls.caFile missing", tls(missing, null, null), "tls.caFile: file " + missing + " does not exist"),
        bad("tls.caFile not a certificate", tls(key, null, null),
            "tls.caFile: file " + key + " is not a PEM certificate bundle"),
        bad("tls.certFile without keyFile", tls(ca, cert, null),
            "tls.keyFile: certFile and keyFile go together (client authentication needs both)"),
        bad("tls.keyFile without certFile", tls(ca, null, key),
            "tls.certFile: certFile and keyFile go together (client authentication needs both)"),
        bad("tls.certFile missing", tls(null, missing, key), "tls.certFile: file " + missing + " does not exist"),
        bad("tls.keyFile in PKCS#1", tls(null, cert, dir.resolve("client-rsa.key").toString()),
            "tls.keyFile: file " + dir.resolve("client-rsa.key") + " is not an unencrypted PKCS#8 PEM private key "
                + "(-----BEGIN PRIVATE KEY-----; convert with 'openssl pkcs8 -topk8 -nocrypt')"),
        bad("tls.caFile empty", tls(" ", null, null), "tls.caFile: must not be empty"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badOptions")
  void reportsTheField(String description, KafkaSinkConfig config, String expected) {
    assertThat(problems(config)).containsExactly(expected);
  }

  @Test
  void reportsEveryProblemAtOnce() {
    KafkaSinkConfig config = new KafkaSinkConfig("kafka1", "a b", null,
        new KafkaSinkConfig.Tls(dir.resolve("nope.pem").toString(), null, null), "soon");
    assertThat(problems(config)).extracting(p -> p.substring(0, p.indexOf(':')))
        .containsExactly("bootstrap", "topic", "deliveryTimeout", "tls.caFile");
  }

  @Test
  void acceptsGoodOptions() {
    String ca = dir.resolve("ca.pem").toString();
    assertThat(problems(config("kafka1:9092", "audit"))).isEmpty();
    assertThat(problems(config("kafka_1:9092,localhost:9092", "audit"))).isEmpty();
    assertThat(problems(new KafkaSinkConfig(" kafka1.example.org:9093 , 10.0.0.7:9093,[2001:db8::7]:9093",
        "portcullis.audit_v1-eu", "gw-1", new KafkaSinkConfig.Tls(ca, dir.resolve("client.pem").toString(),
        dir.resolve("client.key").toString()), "2m"))).isEmpty();
    // relative paths resolve against the configuration directory, at load
    assertThat(problems(tls("ca.pem", null, null))).isEmpty();
    assertThat(problems(tls("certs/ca.pem", null, null)))
        .containsExactly("tls.caFile: file " + dir.resolve("certs/ca.pem") + " does not exist");
  }

  @Test
  void createChecksRelativeTlsPathsAgainstTheConfigurationDirectory() {
    KafkaSinkConfig missing = tls("certs/ca.pem", null, null);
    assertThatThrownBy(() -> factory.create(missing, TestSupport.setup(vertx, dir)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("audit sink 'central' (kafka): tls.caFile: file " + dir.resolve("certs/ca.pem")
            + " does not exist");

    KafkaSinkConfig present = tls("ca.pem", null, null);
    assertThat(factory.create(present, TestSupport.setup(vertx, dir))).isNotNull();
  }

  @Test
  void producerConfigIsIdempotentWithAcksAllAndTheTimeoutsDerivedFromDeliveryTimeout() {
    KafkaSink.Settings settings = new KafkaSink.Settings("kafka1:9092", "audit", "gw-1", Duration.ofSeconds(3),
        new KafkaSinkFactory.Tls(dir.resolve("ca.pem"), dir.resolve("client.pem"), dir.resolve("client.key")));
    Map<String, String> config = KafkaSink.producerConfig(settings);
    assertThat(config).containsEntry("bootstrap.servers", "kafka1:9092")
        .containsEntry("client.id", "gw-1")
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", "true")
        .containsEntry("delivery.timeout.ms", "3000")
        .containsEntry("request.timeout.ms", "2995")
        .containsEntry("max.block.ms", "3000")
        .containsEntry("security.protocol", "SSL")
        .containsEntry("ssl.truststore.type", "PEM")
        .containsEntry("ssl.truststore.location", dir.resolve("ca.pem").toString());
    // the key's contents are read only when the producer is created, never kept in this map
    assertThat(config).doesNotContainKeys("ssl.keystore.key", "ssl.keystore.certificate.chain");

    Map<String, String> plain = KafkaSink.producerConfig(new KafkaSink.Settings("kafka1:9092", "audit", "gw-1",
        Duration.ofMinutes(2), null));
    assertThat(plain).containsEntry("request.timeout.ms", "30000").containsEntry("delivery.timeout.ms", "120000")
        .doesNotContainKey("security.protocol");
  }

  @Test
  void documentsEveryOption() {
    assertThat(factory.options()).extracting(o -> o.name())
        .containsExactly("bootstrap", "topic", "clientId", "tls", "deliveryTimeout");
  }

  private List<String> problems(KafkaSinkConfig config) {
    List<String> problems = new ArrayList<>();
    factory.validate(config, dir, (field, message) -> problems.add(field + ": " + message));
    return problems;
  }

  private static Arguments bad(String description, KafkaSinkConfig config, String expected) {
    return Arguments.of(description, config, expected);
  }

  private static KafkaSinkConfig config(String bootstrap, String topic) {
    return new KafkaSinkConfig(bootstrap, topic, null, null, null);
  }

  private static KafkaSinkConfig timeout(String deliveryTimeout) {
    return new KafkaSinkConfig("kafka1:9092", "audit", null, null, deliveryTimeout);
  }

  private static KafkaSinkConfig tls(String ca, String cert, String key) {
    return new KafkaSinkConfig("kafka1:9092", "audit", null, new KafkaSinkConfig.Tls(ca, cert, key), null);
  }
}
