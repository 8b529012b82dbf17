package dev.portcullis.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * The gateway as operators run it: {@code Main --config FILE} in its own JVM (so tests can cap its
 * heap or send it SIGTERM). Its ports are picked free beforehand, since a separate process cannot
 * report port 0 back easily.
 */
public final class ForkedGateway implements AutoCloseable {

  private final Process process;
  private final Path log;
  public final int port;
  public final int adminPort;

  private ForkedGateway(Process process, Path log, int port, int adminPort) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.adminPort = adminPort;
  }

  /**
   * @param routesAndMore YAML appended after the listeners, with {@code routes:} and any limits
   */
  public static ForkedGateway start(Path dir, String routesAndMore, List<String> jvmArgs) {
    int port = freePort();
    int adminPort = freePort();
    String yaml = """
        dataDir: %s
        listeners:
          public: { host: 127.0.0.1, port: %d }
          admin: { host: 127.0.0.1, port: %d }
        """.formatted(dir.resolve("data"), port, adminPort) + routesAndMore;
    Path config = dir.resolve("gateway.yaml");
    Path log = dir.resolve("gateway.log");
    try {
      Files.writeString(config, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process process = ForkedJvm.start(log, jvmArgs, Map.of(), "dev.portcullis.gateway.Main", "--config",
        config.toString());
    ForkedGateway gateway = new ForkedGateway(process, log, port, adminPort);
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
        if (!process.isAlive()) {
          throw new IllegalStateException("gateway exited with " + process.exitValue() + ":\n" + ForkedJvm.tail(log));
        }
        return gateway.ready();
      });
    } catch (RuntimeException e) {
      gateway.close();
      throw e;
    }
    return gateway;
  }

  public boolean ready() {
    try {
      return Https.get(Https.client(), adminUrl("/readyz")).statusCode() == 200;
    } catch (RuntimeException e) {
      return false;
    }
  }

  public String url(String path) {
    return "https://127.0.0.1:" + port + path;
  }

  public String adminUrl(String path) {
    return "https://127.0.0.1:" + adminPort + path;
  }

  public Process process() {
    return process;
  }

  public String logTail() {
    return ForkedJvm.tail(log);
  }

  /** Sends SIGTERM, as an orchestrator does. */
  public void terminate() {
    process.destroy();
  }

  public static int freePort() {
    // Below Linux's ephemeral range (32768-60999): a port handed out for a bind to port 0 or for an
    // outgoing connection in the meantime can then never be the one returned here, which a test
    // binds only later (seen: another instance's admin listener on port 0 took a cluster port).
    for (int tries = 0; tries < FREE_PORT_SPAN; tries++) {
      int port = FREE_PORT_LOW + Math.floorMod(NEXT_PORT.getAndIncrement(), FREE_PORT_SPAN);
      try (ServerSocket socket = new ServerSocket(port)) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // in use: try the next one
      }
    }
    throw new IllegalStateException("no free port between " + FREE_PORT_LOW + " and "
        + (FREE_PORT_LOW + FREE_PORT_SPAN - 1));
  }

  private static final int FREE_PORT_LOW = 20_000;
  private static final int FREE_PORT_SPAN = 12_000;
  /** Starts at random, so that test JVMs running one after the other rarely reuse a port in TIME_WAIT. */
  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT = new java.util.concurrent.atomic
      .AtomicInteger(new java.util.Random().nextInt(FREE_PORT_SPAN));

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
