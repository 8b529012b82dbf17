package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import io.github.resilience4j.core.IntervalFunction;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tails the journal into one sink: reads a batch from its persisted position, delivers it, and only
 * then moves the position on and writes it to {@code shippers/<name>.offset} (fsynced, replaced
 * atomically). A refused or failed batch is retried whole with exponential backoff and jitter, so
 * delivery is at least once and survives both sink outages and gateway restarts.
 */
final class Shipper implements Journal.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Vertx vertx;
  private final Context context;
  private final Journal journal;
  private final String name;
  private final AuditSink sink;
  private final int batchSize;
  private final IntervalFunction backoff;
  private final long timeoutMillis;
  private final Path offsetFile;
  private final JournalCursor cursor;
  private final WorkerExecutor worker;
  private final ShipperMetrics metrics;
  private final AtomicBoolean wakeQueued = new AtomicBoolean();
  private volatile JournalCursor.Position committed;
  private boolean busy;
  private boolean closed;
  private int failures;
  private long retryTimer = -1;
  private final long pollTimer;

  /** Counts what a shipper does, per sink. */
  interface ShipperMetrics {
    void shipped(String sink, int records);

    void failed(String sink);
  }

  Shipper(Vertx vertx, Journal journal, String name, AuditSink sink, int batchSize, Duration retryInitial,
      Duration retryMax, Duration timeout, ShipperMetrics metrics) throws IOException {
    this.timeoutMillis = timeout.toMillis();
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.journal = journal;
    this.name = name;
    this.sink = sink;
    this.batchSize = batchSize;
    this.metrics = metrics;
    this.backoff = IntervalFunction.ofExponentialRandomBackoff(retryInitial, 2.0, 0.5, retryMax);
    Path dir = journal.directory().resolve("shippers");
    Files.createDirectories(dir);
    this.offsetFile = dir.resolve(name + ".offset");
    this.committed = readOffset(offsetFile);
    this.cursor = new JournalCursor(journal.directory(), journal.codec(), committed);
    this.worker = vertx.createSharedWorkerExecutor("portcullis-audit-ship-" + name, 1);
    journal.addListener(this);
    this.pollTimer = vertx.setPeriodic(1000, id -> context.runOnContext(v -> pump()));
    context.runOnContext(v -> pump());
  }

  String name() {
    return name;
  }

  /** The oldest segment this shipper still has to read (retention keeps it). */
  long segment() {
    return committed.segment();
  }

  @Override
  public void written(long lastSeq) {
    if (wakeQueued.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        wakeQueued.set(false);
        pump();
      });
    }
  }

  private void pump() {
    if (busy || closed || retryTimer >= 0) {
      return;
    }
    busy = true;
    long upTo = journal.syncedSeq();
    worker.executeBlocking(() -> cursor.read(batchSize, upTo), true)
        .compose(batch -> batch.isEmpty() ? Future.succeededFuture(false) : deliver(batch).map(true))
        .onComplete(ar -> {
          busy = false;
          if (ar.succeeded()) {
            failures = 0;
            if (ar.result()) {
              pump(); // there may be more
            }
          } else {
            retryLater(ar.cause());
          }
        });
  }

  private Future<Void> deliver(List<AuditRecord> batch) {
    Future<Void> sent;
    try {
      sent = sink.deliver(batch);
      if (sent == null) {
        sent = Future.failedFuture(new NullPointerException("deliver returned null"));
      }
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    JournalCursor.Position next = cursor.position();
    return bounded(sent).compose(v -> worker.executeBlocking(() -> {
      writeOffset(offsetFile, next, batch.get(batch.size() - 1).sequence());
      committed = next;
      return null;
    }, true)).onSuccess(v -> metrics.shipped(name, batch.size())).mapEmpty();
  }

  /** A sink that never settles its future must not stall shipping for good. */
  private Future<Void> bounded(Future<Void> sent) {
    if (sent.isComplete()) {
      return sent;
    }
    io.vertx.core.Promise<Void> result = io.vertx.core.Promise.promise();
    long timer = vertx.setTimer(timeoutMillis, id -> result.tryFail(new java.util.concurrent.TimeoutException(
        "the sink did not confirm the batch within " + timeoutMillis + " ms")));
    sent.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        result.tryComplete();
      } else {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  private void retryLater(Throwable cause) {
    failures++;
    metrics.failed(name);
    long delay = backoff.apply(Math.min(failures, 30));
    if (failures == 1 || failures % 10 == 0) {
      LOG.warn("Audit sink '{}' failed ({} in a row), retrying in {} ms: {}", name, failures, delay, cause.toString());
    }
    JournalCursor.Position back = committed;
    worker.executeBlocking(() -> {
      cursor.seek(back);
      return null;
    }, true).onComplete(ar -> retryTimer = vertx.setTimer(delay, id -> {
      retryTimer = -1;
      pump();
    }));
  }

  Future<Void> close() {
    closed = true;
    vertx.cancelTimer(pollTimer);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
    }
    Future<Void> closing;
    try {
      closing = sink.close();
    } catch (RuntimeException e) {
      closing = Future.failedFuture(e);
    }
    return closing.recover(e -> {
      LOG.warn("Audit sink '{}' did not close cleanly: {}", name, e.toString());
      return Future.succeededFuture();
    }).eventually(() -> worker.executeBlocking(() -> {
      cursor.close();
      return null;
    })).eventually(worker::close);
  }

  static JournalCursor.Position readOffset(Path file) throws IOException {
    if (!Files.exists(file)) {
      return JournalCursor.Position.START;
    }
    try {
      JsonNode node = JSON.readTree(Files.readString(file));
      return new JournalCursor.Position(node.required("segment").asLong(), node.required("offset").asLong(),
          node.required("line").asLong());
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("audit shipper offset " + file + " is damaged (" + e.getMessage()
          + "); delete it to ship the whole journal again (receivers deduplicate by event id)", e);
    }
  }

  private static void writeOffset(Path file, JournalCursor.Position position, long seq) throws IOException {
    SegmentFiles.replaceDurably(file, JSON.createObjectNode().put("segment", position.segment()).put("offset",
        position.offset()).put("line", position.line()).put("seq", seq).toString() + "\n");
  }
}
