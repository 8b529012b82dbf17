package dev.portcullis.plugins.auditkafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) run out of process
 * from the jars that the {@code portcullis-kafka-broker} module copied (system property
 * {@code kafka.broker.lib}). Free ports and a fresh temporary directory per broker; {@link #stop()}
 * sends SIGTERM, {@link #restart()} starts it again on the same ports and data, {@link #close()}
 * kills it and deletes the directory.
 */
final class KafkaBroker implements AutoCloseable {

  private static final String STARTED = "Kafka Server started";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final Path lib;
  private final Path dir;
  private final Path log;
  private final int port;
  private final int tlsPort;
  private Process process;

  private KafkaBroker(Path lib, Path dir, int port, int tlsPort) {
    this.lib = lib;
    this.dir = dir;
    this.log = dir.resolve("broker.log");
    this.port = port;
    this.tlsPort = tlsPort;
  }

  /** Formats a new broker's storage and starts it; returns once it logged that it started. */
  static KafkaBroker start() throws IOException, InterruptedException {
    return start(null);
  }

  /**
   * Like {@link #start()}, with a second listener that requires mutual TLS, from {@code pki}'s
   * {@code broker.pem} (key and certificate) and {@code ca.pem} (see {@link TestPki}).
   */
  static KafkaBroker start(Path pki) throws IOException, InterruptedException {
    String libProperty = System.getProperty("kafka.broker.lib");
    if (libProperty == null || !Files.isDirectory(Path.of(libProperty))) {
      throw new IllegalStateException("system property kafka.broker.lib must name the broker's jars (built by "
          + "testing/kafka-broker); it is '" + libProperty + "'");
    }
    Path dir = Files.createTempDirectory("portcullis-kafka-");
    KafkaBroker broker;
    try {
      int[] ports = freePorts(3);
      broker = new KafkaBroker(Path.of(libProperty), dir, ports[0], pki == null ? -1 : ports[2]);
      broker.configure(ports[1], pki);
      broker.format();
    } catch (IOException | InterruptedException | RuntimeException e) {
      deleteTree(dir);
      throw e;
    }
    try {
      broker.restart();
    } catch (RuntimeException e) {
      broker.close();
      throw e;
    }
    return broker;
  }

  /** {@code 127.0.0.1:<port>} of the PLAINTEXT listener. */
  String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** {@code 127.0.0.1:<port>} of the mutual-TLS listener. */
  String tlsBootstrap() {
    if (tlsPort < 0) {
      throw new IllegalStateException("this broker was started without TLS");
    }
    return "127.0.0.1:" + tlsPort;
  }

  /** Starts the (stopped) broker on the same ports and data; returns once it logged that it started. */
  synchronized void restart() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("the broker is running");
    }
    long offset = logSize();
    try {
      process = new ProcessBuilder(java(), "-Xmx512m", "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
          "-cp", lib.resolve("*").toString(), "kafka.Kafka", dir.resolve("server.properties").toString())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the Kafka broker", e);
    }
    Process started = process;
    await("Kafka broker start (" + log + ")").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          if (!started.isAlive()) {
            throw new IllegalStateException("the Kafka broker exited with " + started.exitValue() + "; its log:\n"
                + tail(offset));
          }
          return logSince(offset).contains(STARTED);
        });
  }

  /** Stops the broker with SIGTERM (a clean shutdown) and waits for it to exit. */
  synchronized void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      throw new IllegalStateException("the Kafka broker did not stop within " + STOP_TIMEOUT + " of SIGTERM");
    }
  }

  /** Kills the broker if it runs and deletes its directory. */
  @Override
  public synchronized void close() {
    try {
      if (process != null && process.isAlive()) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      deleteTree(dir);
    }
  }

  private void configure(int controllerPort, Path pki) throws IOException {
    String tls = pki == null ? "" : String.join("\n",
        "listener.name.ssl.ssl.keystore.type=PEM",
        "listener.name.ssl.ssl.keystore.location=" + pki.resolve("broker.pem"),
        "listener.name.ssl.ssl.truststore.type=PEM",
        "listener.name.ssl.ssl.truststore.location=" + pki.resolve("ca.pem"),
        "listener.name.ssl.ssl.client.auth=required",
        "");
    String listeners = "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
        + (pki == null ? "" : ",SSL://127.0.0.1:" + tlsPort);
    String advertised = "PLAINTEXT://127.0.0.1:" + port + (pki == null ? "" : ",SSL://127.0.0.1:" + tlsPort);
    String properties = tls + String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=" + listeners,
        "advertised.listeners=" + advertised,
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "log.dirs=" + dir.resolve("data"),
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        // a restart after a kill need not wait long for the old broker session to expire
        "broker.heartbeat.interval.ms=500",
        "broker.session.timeout.ms=3000",
        "");
    Files.writeString(dir.resolve("server.properties"), properties);
    // WARN and above, plus the line that says the broker is up.
    Files.writeString(dir.resolve("log4j2.properties"), String.join("\n",
        "rootLogger.level=WARN",
        "rootLogger.appenderRef.out.ref=out",
        "appender.out.type=Console",
        "appender.out.name=out",
        "appender.out.layout.type=PatternLayout",
        "appender.out.layout.pattern=[%d] %p %m (%c)%n",
        "logger.raft.name=kafka.server.KafkaRaftServer",
        "logger.raft.level=INFO",
        ""));
  }

  private void format() throws IOException, InterruptedException {
    Path output = dir.resolve("format.log");
    Process format = new ProcessBuilder(java(), "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
        "-cp", lib.resolve("*").toString(), "kafka.tools.StorageTool", "format", "-t", clusterId(),
        "-c", dir.resolve("server.properties").toString())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    if (!format.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      format.destroyForcibly();
      throw new IllegalStateException("formatting the broker's storage did not finish within " + START_TIMEOUT);
    }
    if (format.exitValue() != 0) {
      throw new IllegalStateException("formatting the broker's storage failed with " + format.exitValue() + ":\n"
          + Files.readString(output));
    }
  }

  /** A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'. */
  private static String clusterId() {
    SecureRandom random = new SecureRandom();
    byte[] bytes = new byte[16];
    String id;
    do {
      random.nextBytes(bytes);
      id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    } while (id.startsWith("-"));
    return id;
  }

  private static int[] freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[count];
      for (int i = 0; i < count; i++) {
        ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        sockets.add(socket);
        ports[i] = socket.getLocalPort();
      }
      return ports;
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private long logSize() {
    try {
      return Files.exists(log) ? Files.size(log) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String logSince(long offset) throws IOException {
    if (!Files.exists(log)) {
      return "";
    }
    byte[] all = Files.readAllBytes(log);
    return offset >= all.length ? "" : new String(all, (int) offset, all.length - (int) offset, StandardCharsets.UTF_8);
  }

  private String tail(long offset) {
    try {
      String text = logSince(offset);
      return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }
}
