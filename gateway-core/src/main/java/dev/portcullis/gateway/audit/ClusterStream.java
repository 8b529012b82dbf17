package dev.portcullis.gateway.audit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import com.hazelcast.topic.ReliableMessageListener;
import dev.portcullis.gateway.cluster.ClusterFutures;
import dev.portcullis.gateway.cluster.ClusterNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The cluster-wide live view of the audit journals, in a Hazelcast reliable topic. Publishing every
 * record of every instance all the time would cost the cluster more than the journal itself, so an
 * instance publishes only while someone tails: each subscriber keeps an entry with a short TTL in
 * {@link ClusterNode#AUDIT_TAILS}, and every instance looks there once a second. A record reaches
 * tails within about a second of the first subscription and at once after that.
 *
 * <p>This is a view, not a copy: a subscriber too slow for the topic's ring buffer skips what it
 * missed (it is told how many batches). The journal and the sinks are the lossless path. It lives in
 * the core, not behind the sink SPI, because it needs the gateway's own Hazelcast instance.
 */
public final class ClusterStream implements Journal.Listener {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterStream.class);
  private static final long TAIL_TTL_SECONDS = 30;

  private final Vertx vertx;
  private final Context context;
  private final Journal journal;
  private final ITopic<String> topic;
  private final IMap<String, String> tails;
  private final WorkerExecutor worker;
  private final AtomicBoolean wake = new AtomicBoolean();
  private final long checkTimer;
  private volatile boolean active;
  private AuditQueries.Tail tail;
  private boolean publishing;
  private final AuditQueries queries;

  public ClusterStream(Vertx vertx, HazelcastInstance hazelcast, AuditQueries queries) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.queries = queries;
    this.journal = queries.journal();
    this.topic = hazelcast.getReliableTopic(ClusterNode.AUDIT_STREAM);
    this.tails = hazelcast.getMap(ClusterNode.AUDIT_TAILS);
    this.worker = vertx.createSharedWorkerExecutor("portcullis-audit-stream", 1);
    journal.addListener(this);
    this.checkTimer = vertx.setPeriodic(1000, id -> checkTails());
  }

  private void checkTails() {
    // IMap.size() is a remote call in client mode: off the event loop
    vertx.executeBlocking(tails::size, false).onSuccess(size -> context.runOnContext(v -> {
      boolean wanted = size > 0;
      if (wanted && !active) {
        worker.executeBlocking(queries::tail, true).onSuccess(t -> {
          tail = t;
          active = true;
          LOG.debug("Audit records are now published to the cluster stream");
        });
      } else if (!wanted && active) {
        active = false;
        AuditQueries.Tail old = tail;
        tail = null;
        worker.executeBlocking(() -> {
          old.close();
          return null;
        }, true);
      }
    })).onFailure(e -> LOG.debug("Cannot count audit stream subscribers: {}", e.toString()));
  }

  @Override
  public void written(long lastSeq) {
    if (active && wake.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        wake.set(false);
        publish();
      });
    }
  }

  private void publish() {
    AuditQueries.Tail current = tail;
    if (!active || publishing || current == null) {
      return;
    }
    publishing = true;
    worker.executeBlocking(current::next, true).compose(records -> {
      if (records.isEmpty()) {
        return Future.succeededFuture(false);
      }
      JsonArray batch = new JsonArray();
      records.forEach(r -> batch.add(r.json()));
      return ClusterFutures.onContext(topic.publishAsync(batch.encode()), vertx).map(true);
    }).onComplete(ar -> context.runOnContext(v -> {
      publishing = false;
      if (ar.failed()) {
        LOG.warn("Audit records not published to the cluster stream: {}", ar.cause().toString());
      } else if (ar.result()) {
        publish();
      }
    }));
  }

  /**
   * Subscribes to every instance's records from now on. {@code records} is called on the caller's
   * context with each batch of record texts; {@code skipped} when records were lost to a slow
   * reader. Returns what ends the subscription.
   */
  public Runnable subscribe(Consumer<List<String>> records, Runnable skipped) {
    Context caller = vertx.getOrCreateContext();
    String id = UUID.randomUUID().toString();
    tails.putAsync(id, "tail", TAIL_TTL_SECONDS, TimeUnit.SECONDS);
    long refresh = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(TAIL_TTL_SECONDS / 3),
        t -> tails.putAsync(id, "tail", TAIL_TTL_SECONDS, TimeUnit.SECONDS));
    UUID registration = topic.addMessageListener(new ReliableMessageListener<>() {
      @Override
      public void onMessage(Message<String> message) {
        List<String> batch = new JsonArray(message.getMessageObject()).stream().map(Object::toString).toList();
        caller.runOnContext(v -> records.accept(batch));
      }

      @Override
      public long retrieveInitialSequence() {
        return -1; // from now on
      }

      @Override
      public void storeSequence(long sequence) {
      }

      @Override
      public boolean isLossTolerant() {
        caller.runOnContext(v -> skipped.run());
        return true;
      }

      @Override
      public boolean isTerminal(Throwable failure) {
        return false;
      }
    });
    return () -> {
      vertx.cancelTimer(refresh);
      tails.removeAsync(id);
      topic.removeMessageListener(registration);
    };
  }

  public void close() {
    vertx.cancelTimer(checkTimer);
    journal.removeListener(this);
  }
}
