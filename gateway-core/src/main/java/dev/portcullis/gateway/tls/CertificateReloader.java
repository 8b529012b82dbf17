package dev.portcullis.gateway.tls;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Watches a listener's certificate and key and, when their content changes, swaps the new pair
 * into every server instance of that listener. Open connections keep their session; new handshakes
 * get the new certificate. A pair that does not load (half-written file, key not matching) is
 * refused and the old one keeps serving; the next change is tried again.
 */
public final class CertificateReloader {

  private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

  private final Vertx vertx;
  private final String listener;
  private final CertificateFiles files;
  private final boolean http2;
  private final Supplier<List<HttpServer>> servers;
  private CertificateFiles.Loaded current;
  private CertificateFiles.Loaded refused; // a broken pair is tried (and logged) once, not every tick
  private long timerId = -1;
  private boolean checking;

  public CertificateReloader(Vertx vertx, String listener, CertificateFiles files, boolean http2,
      CertificateFiles.Loaded initial, Supplier<List<HttpServer>> servers) {
    this.vertx = vertx;
    this.listener = listener;
    this.files = files;
    this.http2 = http2;
    this.current = initial;
    this.servers = servers;
  }

  public void start(Duration interval) {
    timerId = vertx.setPeriodic(interval.toMillis(), id -> check());
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /** Compares the files with what is served and swaps if they changed. */
  public Future<Boolean> check() {
    if (checking) {
      return Future.succeededFuture(false);
    }
    checking = true;
    return vertx.executeBlocking(files::load, false)
        .compose(loaded -> {
          if (loaded.sameAs(current) || loaded.sameAs(refused)) {
            return Future.succeededFuture(false);
          }
          List<Future<Boolean>> updates = new ArrayList<>();
          for (HttpServer server : servers.get()) {
            updates.add(server.updateSSLOptions(TlsPolicy.sslOptions(loaded.options(), http2), true));
          }
          return Future.all(updates).onFailure(err -> refused = loaded).map(v -> {
            current = loaded;
            LOG.info("{} listener: reloaded TLS certificate from {}", listener, files.cert());
            return true;
          });
        })
        .recover(err -> {
          LOG.error("{} listener: new TLS certificate/key not loaded ({}); still serving the previous one",
              listener, err.getMessage());
          return Future.succeededFuture(false);
        })
        .onComplete(ar -> checking = false);
  }
}
