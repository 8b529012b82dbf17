package dev.portcullis.plugins.auditkafka;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.PolicyFactory.Option;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import dev.portcullis.plugin.audit.SinkSetup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/** {@code kafka}: ships the audit journal to a Kafka topic. See this module's README. */
public final class KafkaSinkFactory implements AuditSinkFactory<KafkaSinkConfig> {

  public static final String ID = "kafka";

  static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
  static final Duration MIN_DELIVERY_TIMEOUT = Duration.ofSeconds(1);
  static final Duration MAX_DELIVERY_TIMEOUT = Duration.ofMinutes(10);

  /** Kafka's own rule for topic names (org.apache.kafka.common.internals.Topic). */
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  /** A host name (labels of letters, digits, '-', and '_' as container names use) or an IPv4 address. */
  private static final Pattern HOST = Pattern.compile(
      "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*");
  private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+]");
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,255}");

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<KafkaSinkConfig> configType() {
    return KafkaSinkConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("bootstrap", "string", "brokers to bootstrap from: host:port[,host:port…]", null),
        new Option("topic", "string", "the topic every record is written to (key = event id, value = the JSON record)", null),
        new Option("clientId", "string", "the producer's client.id", "portcullis-audit-<instance>"),
        new Option("tls", "{ caFile, certFile, keyFile }",
            "connect with TLS; PEM files relative to the configuration file; certFile and keyFile for client authentication",
            "plaintext"),
        new Option("deliveryTimeout", "duration", "a batch not acknowledged within this fails and is retried (1s..10m)",
            "30s"));
  }

  @Override
  public void validate(KafkaSinkConfig config, Path configDirectory, ConfigErrors errors) {
    bootstrapServers(config.bootstrap(), errors);
    String topic = config.topic();
    if (topic == null || topic.isBlank()) {
      errors.add("topic", "is required");
    } else if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      errors.add("topic", "'" + topic + "' is not a valid Kafka topic name (1 to 249 of the characters a-z A-Z 0-9 . _ -, "
          + "and not '.' or '..')");
    }
    if (config.clientId() != null && !CLIENT_ID.matcher(config.clientId()).matches()) {
      errors.add("clientId", "'" + config.clientId() + "' must be 1 to 255 of the characters a-z A-Z 0-9 . _ -");
    }
    deliveryTimeout(config.deliveryTimeout(), errors);
    checkTls(config.tls(), configDirectory::resolve, errors);
  }

  @Override
  public AuditSink create(KafkaSinkConfig config, SinkSetup setup) {
    ConfigErrors fail = (field, message) -> {
      throw new IllegalArgumentException("audit sink '" + setup.name() + "' (kafka): " + field + ": " + message);
    };
    String servers = bootstrapServers(config.bootstrap(), fail);
    Duration timeout = deliveryTimeout(config.deliveryTimeout(), fail);
    KafkaSinkConfig.Tls tls = config.tls();
    Tls resolved = null;
    if (tls != null) {
      checkTls(tls, setup::resolve, fail);
      resolved = new Tls(path(tls.caFile(), setup), path(tls.certFile(), setup), path(tls.keyFile(), setup));
    }
    String clientId = config.clientId() != null ? config.clientId()
        : "portcullis-audit-" + setup.instanceId().replaceAll("[^A-Za-z0-9._-]", "_");
    return new KafkaSink(setup.vertx(), setup.name(), new KafkaSink.Settings(servers, config.topic(), clientId,
        timeout, resolved));
  }

  /** TLS files as resolved paths (null when not configured). */
  record Tls(Path caFile, Path certFile, Path keyFile) {
  }

  private static Path path(String raw, SinkSetup setup) {
    return raw == null ? null : setup.resolve(raw).toAbsolutePath().normalize();
  }

  /** The normalised {@code bootstrap.servers}, or null after reporting. */
  static String bootstrapServers(String bootstrap, ConfigErrors errors) {
    if (bootstrap == null || bootstrap.isBlank()) {
      errors.add("bootstrap", "is required (host:port[,host:port])");
      return null;
    }
    List<String> servers = new ArrayList<>();
    boolean ok = true;
    for (String raw : bootstrap.split(",", -1)) {
      String entry = raw.trim();
      int colon = entry.lastIndexOf(':');
      String host = colon < 0 ? "" : entry.substring(0, colon);
      String port = colon < 0 ? "" : entry.substring(colon + 1);
      if (entry.isEmpty()) {
        errors.add("bootstrap", "has an empty entry in '" + bootstrap + "'");
        ok = false;
      } else if (colon < 0 || !(HOST.matcher(host).matches() || IPV6.matcher(host).matches())) {
        errors.add("bootstrap", "'" + entry + "' is not host:port (an IPv6 address is written [addr]:port)");
        ok = false;
      } else if (!validPort(port)) {
        errors.add("bootstrap", "'" + entry + "' has port '" + port + "', allowed 1..65535");
        ok = false;
      } else {
        servers.add(entry);
      }
    }
    return ok ? String.join(",", servers) : null;
  }

  private static boolean validPort(String port) {
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
      return false;
    }
    int value = Integer.parseInt(port);
    return value >= 1 && value <= 65535;
  }

  /** The delivery timeout (the default when absent), or null after reporting. */
  static Duration deliveryTimeout(String raw, ConfigErrors errors) {
    if (raw == null) {
      return DEFAULT_DELIVERY_TIMEOUT;
    }
    Duration value = dev.portcullis.plugin.Durations.parse(raw);
    if (value == null) {
      errors.add("deliveryTimeout", "'" + raw + "' is not a duration such as 500ms, 30s, 2m");
      return null;
    }
    if (value.compareTo(MIN_DELIVERY_TIMEOUT) < 0 || value.compareTo(MAX_DELIVERY_TIMEOUT) > 0) {
      errors.add("deliveryTimeout", "is " + raw + ", allowed 1s..10m");
      return null;
    }
    return value;
  }

  /**
   * Checks the TLS files: present, readable, PEM of the right kind. {@code resolve} returns null for
   * a path that cannot be checked yet.
   */
  private static void checkTls(KafkaSinkConfig.Tls tls, Function<String, Path> resolve, ConfigErrors errors) {
    if (tls == null) {
      return;
    }
    if ((tls.certFile() == null) != (tls.keyFile() == null)) {
      errors.add(tls.certFile() == null ? "tls.certFile" : "tls.keyFile",
          "certFile and keyFile go together (client authentication needs both)");
    }
    checkPem("tls.caFile", tls.caFile(), "-----BEGIN CERTIFICATE-----", "a PEM certificate bundle", resolve, errors);
    checkPem("tls.certFile", tls.certFile(), "-----BEGIN CERTIFICATE-----", "a PEM certificate chain", resolve, errors);
    checkPem("tls.keyFile", tls.keyFile(), "-----BEGIN PRIVATE KEY-----",
        "an unencrypted PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----; convert with "
            + "'openssl pkcs8 -topk8 -nocrypt')", resolve, errors);
  }

  private static void checkPem(String field, String raw, String marker, String what, Function<String, Path> resolve,
      ConfigErrors errors) {
    if (raw == null) {
      return;
    }
    if (raw.isBlank()) {
      errors.add(field, "must not be empty");
      return;
    }
    Path path = resolve.apply(raw);
    if (path == null) {
      return;
    }
    if (!Files.isRegularFile(path)) {
      errors.add(field, "file " + path + " does not exist");
      return;
    }
    try {
      // Only look for the marker: the content (a private key) never goes into a message.
      String text = new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
      if (!text.contains(marker)) {
        errors.add(field, "file " + path + " is not " + what);
      }
    } catch (IOException | RuntimeException e) {
      errors.add(field, "file " + path + " cannot be read: " + e.getClass().getSimpleName());
    }
  }
}
