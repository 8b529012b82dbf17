package dev.portcullis.gateway;

import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.ConfigProblem;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.policy.PluginRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code portcullis [--config PATH] [--check]}, or {@code portcullis audit verify …} (see AuditCommand). The configuration file comes from {@code --config},
 * else {@code PORTCULLIS_CONFIG}, else {@code config/gateway.yaml}. {@code --check} validates the
 * file and exits (0 valid, 2 invalid) without starting anything.
 *
 * <p>SIGTERM/SIGINT drain and stop; SIGHUP reloads the configuration.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    String configPath = System.getenv("PORTCULLIS_CONFIG");
    if (args.length > 0 && args[0].equals("audit")) {
      PluginRegistry plugins = loadPlugins();
      int status = AuditCommand.run(args, configPath == null || configPath.isBlank() ? "config/gateway.yaml"
          : configPath, plugins, System.out, System.err);
      plugins.close();
      System.exit(status);
      return;
    }
    boolean checkOnly = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--config" -> {
          if (i + 1 >= args.length) {
            usage("--config needs a file path");
          }
          configPath = args[++i];
        }
        case "--check" -> checkOnly = true;
        case "--help", "-h" -> {
          System.out.println("usage: portcullis [--config PATH] [--check]\n       portcullis audit verify "
              + "[--config PATH] [--public-key PEM] [--json]");
          return;
        }
        default -> usage("unknown argument '" + args[i] + "'");
      }
    }
    Path file = Path.of(configPath == null || configPath.isBlank() ? "config/gateway.yaml" : configPath);
    PluginRegistry plugins = loadPlugins();
    GatewayConfig config;
    try {
      config = ConfigLoader.load(file, System::getenv, plugins);
    } catch (InvalidConfigException e) {
      System.err.println("portcullis: " + file + " is not valid:");
      for (ConfigProblem p : e.problems()) {
        System.err.println("  " + p);
      }
      System.exit(2);
      return;
    }
    if (checkOnly) {
      System.out.println("portcullis: " + file + " is valid (" + config.routes().size() + " route(s))");
      return;
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(config, System::getenv, plugins).toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      LOG.error("Portcullis failed to start: {}", e.getCause() == null ? e.toString() : e.getCause().toString());
      System.exit(1);
      return;
    }
    long drainMillis = config.limits().drainTimeout().toMillis();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.shutdown().toCompletionStage().toCompletableFuture().get(drainMillis + 10_000, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("Shutdown did not complete cleanly: {}", e.toString());
      }
      // the log is written by a background thread: flush it before the JVM goes
      if (LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext logback) {
        logback.stop();
      }
    }, "portcullis-shutdown"));
    try {
      Signal.handle(new Signal("HUP"), signal -> {
        LOG.info("SIGHUP: reloading configuration");
        gateway.reload();
      });
    } catch (IllegalArgumentException e) {
      LOG.info("SIGHUP is not available on this platform; configuration reloads on file change only");
    }
  }

  private static PluginRegistry loadPlugins() {
    try {
      return PluginRegistry.load(pluginDirectory());
    } catch (PluginRegistry.PluginException e) {
      System.err.println("portcullis: " + e.getMessage());
      System.exit(2);
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code -Dportcullis.plugins.dir} (the launcher sets it to the distribution's {@code plugins/}),
   * else {@code PORTCULLIS_PLUGINS}, else none: class path plugins only.
   */
  private static Path pluginDirectory() {
    String dir = System.getProperty("portcullis.plugins.dir", System.getenv("PORTCULLIS_PLUGINS"));
    return dir == null || dir.isBlank() ? null : Path.of(dir);
  }

  private static void usage(String problem) {
    System.err.println("portcullis: " + problem);
    System.err.println("usage: portcullis [--config PATH] [--check]");
    System.exit(64);
  }
}
