package dev.portcullis.gateway;

import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.ConfigProblem;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.policy.PluginRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Notices when the configuration file's content changes (polling its digest, which also catches
 * editors that replace the file and ConfigMap symlink swaps) and on demand (SIGHUP). A file that
 * validates is handed to {@code apply}; one that does not is reported with every problem and the
 * running configuration stays.
 */
final class ConfigWatcher {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);

  /** What a reload attempt came to. */
  interface Listener {
    Future<Void> applied(GatewayConfig config);

    void rejected(List<ConfigProblem> problems);
  }

  private final Vertx vertx;
  private final Path file;
  private final Function<String, String> env;
  private final PluginRegistry plugins;
  private final Listener listener;
  private final AtomicBoolean busy = new AtomicBoolean();
  /** A forced check asked for while another ran: it runs once more when that one ends. */
  private final AtomicBoolean again = new AtomicBoolean();
  private final java.util.function.Supplier<java.util.Map<String, java.util.List<dev.portcullis.plugin.net.Cidr>>>
      managedNetworks;
  private volatile byte[] lastDigest;
  /** The text of the configuration in force (what a changed network set is applied to). */
  private volatile String appliedText;
  /** A re-application asked for while a check ran: it runs when that one ends. */
  private final AtomicBoolean reapplyAfter = new AtomicBoolean();
  private long timerId = -1;

  /**
   * @param managedNetworks the current contents of the network sets the file declares
   *                        {@code managed} (read from the IAM store)
   */
  ConfigWatcher(Vertx vertx, Path file, Function<String, String> env, PluginRegistry plugins, Listener listener,
      java.util.function.Supplier<java.util.Map<String, java.util.List<dev.portcullis.plugin.net.Cidr>>>
          managedNetworks) {
    this.managedNetworks = managedNetworks;
    this.vertx = vertx;
    this.file = file;
    this.env = env;
    this.plugins = plugins;
    this.listener = listener;
  }

  /** Starts polling; {@code initial} is the content of the file the gateway started with. */
  void start(GatewayConfig.Reload reload, byte[] initial) {
    lastDigest = digest(initial);
    appliedText = new String(initial, java.nio.charset.StandardCharsets.UTF_8);
    if (reload.watch()) {
      timerId = vertx.setPeriodic(reload.interval().toMillis(), id -> check(false));
    }
  }

  void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /** Re-reads the file; with {@code force} even when its content did not change. */
  Future<Boolean> check(boolean force) {
    if (!busy.compareAndSet(false, true)) {
      if (force) {
        again.set(true); // e.g. a network set changed while the poller read the file: read once more after
      }
      return Future.succeededFuture(false); // SIGHUP and the poller may meet; one read is enough
    }
    return vertx.executeBlocking(() -> Files.readAllBytes(file), false)
        .compose(bytes -> {
          byte[] digest = digest(bytes);
          if (!force && Arrays.equals(digest, lastDigest)) {
            return Future.succeededFuture(false);
          }
          lastDigest = digest;
          String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
          return apply(text).onSuccess(applied -> {
            if (applied) {
              appliedText = text;
            }
          });
        }, err -> {
          LOG.error("Cannot read configuration {}: {}", file, err.toString());
          return Future.succeededFuture(false);
        })
        .onComplete(ar -> finished());
  }

  /**
   * Applies the configuration in force again, with the managed network sets as they are now —
   * never what the file says meanwhile (an edit in progress, or a watch turned off, stays unapplied).
   */
  Future<Boolean> reapply() {
    if (!busy.compareAndSet(false, true)) {
      reapplyAfter.set(true);
      return Future.succeededFuture(false);
    }
    return apply(appliedText).onComplete(ar -> finished());
  }

  private void finished() {
    busy.set(false);
    if (again.getAndSet(false)) {
      check(true);
    } else if (reapplyAfter.getAndSet(false)) {
      reapply();
    }
  }

  /** Parses and hands over a configuration text; resolves to whether it was applied. */
  private Future<Boolean> apply(String text) {
    Path abs = file.toAbsolutePath().normalize();
    return vertx.executeBlocking(() -> ConfigLoader.parse(text, file.toString(), abs.getParent(), abs, env, plugins,
            managedNetworks.get()), false)
        .compose(config -> listener.applied(config).map(true))
              .recover(err -> {
                if (err instanceof InvalidConfigException invalid) {
                  LOG.error("Configuration {} rejected; the running configuration stays.\n{}", file, err.getMessage());
                  listener.rejected(invalid.problems());
                } else {
                  LOG.error("Configuration {} could not be applied: {}", file, err.toString());
                  listener.rejected(List.of(new ConfigProblem(file.toString(), 0, "", err.toString())));
                }
                return Future.succeededFuture(false);
              });
  }

  static byte[] digest(byte[] content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
