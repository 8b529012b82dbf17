package dev.portcullis.gateway.support;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.GatewayConfig;
import io.vertx.core.Future;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real gateway on loopback for tests: public and admin listeners on port 0, a fresh data
 * directory, the YAML given by the test. Closing it shuts it down gracefully.
 */
public final class TestGateway implements AutoCloseable {

  private final Gateway gateway;
  private final Path configFile;

  private TestGateway(Gateway gateway, Path configFile) {
    this.gateway = gateway;
    this.configFile = configFile;
  }

  /** The listener/data part every test shares; append {@code routes:} and anything else after it. */
  public static String header(Path dir) {
    return """
        dataDir: %s
        listeners:
          public: { host: 127.0.0.1, port: 0 }
          admin: { host: 127.0.0.1, port: 0 }
        reload: { interval: 100ms }
        """.formatted(dir.resolve("data"));
  }

  /** A one-route config: everything under {@code /} goes to {@code target}. */
  public static String singleRoute(Path dir, String target) {
    return header(dir) + """
        routes:
          - id: main
            match: { pathPrefix: / }
            upstream: { targets: [ "%s" ] }
            public: true
        """.formatted(target);
  }

  public static TestGateway start(Path dir, String yaml) {
    return start(dir, yaml, Map.of());
  }

  public static TestGateway start(Path dir, String yaml, Map<String, String> env) {
    return start(dir, yaml, env, java.time.Clock.systemUTC());
  }

  /** A gateway whose sessions, second factors and policies decide by {@code clock}. */
  public static TestGateway start(Path dir, String yaml, Map<String, String> env, java.time.Clock clock) {
    try {
      Path file = dir.resolve("gateway.yaml");
      Files.writeString(file, yaml);
      GatewayConfig config = ConfigLoader.load(file, env::get);
      Gateway gateway = await(Gateway.start(config, env::get, dev.portcullis.gateway.policy.PluginRegistry.classpath(),
          clock));
      return new TestGateway(gateway, file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public Gateway gateway() {
    return gateway;
  }

  public Path configFile() {
    return configFile;
  }

  public int port() {
    return gateway.publicPort();
  }

  public int adminPort() {
    return gateway.adminPort();
  }

  public String url(String path) {
    return "https://127.0.0.1:" + port() + path;
  }

  public String adminUrl(String path) {
    return "https://127.0.0.1:" + adminPort() + path;
  }

  /** Replaces the file at once (as an editor or a ConfigMap swap does), so no poll reads half of it. */
  public void rewriteConfig(String yaml) {
    try {
      Path next = configFile.resolveSibling(configFile.getFileName() + ".next");
      Files.writeString(next, yaml);
      Files.move(next, configFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    await(gateway.shutdown());
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e.getCause() == null ? e : e.getCause());
    }
  }
}
