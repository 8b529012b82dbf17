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
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

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
