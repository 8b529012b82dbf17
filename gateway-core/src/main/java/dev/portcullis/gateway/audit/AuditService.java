package dev.portcullis.gateway.audit;

import dev.portcullis.gateway.config.AuditConfig;
import dev.portcullis.gateway.observe.GatewayMetrics;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import dev.portcullis.plugin.audit.SinkSetup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The audit side of a running gateway: the journal, the log that writes into it, and one shipper per
 * configured sink. Started before anything that emits events; closed after them.
 */
public final class AuditService {

  private static final Logger LOG = LoggerFactory.getLogger(AuditService.class);

  private final Vertx vertx;
  private final Journal journal;
  private final AuditLog log;
  private final List<Shipper> shippers = new ArrayList<>();

  private AuditService(Vertx vertx, Journal journal, AuditLog log) {
    this.vertx = vertx;
    this.journal = journal;
    this.log = log;
  }

  /**
   * Opens the journal (on a worker) and starts the shippers.
   *
   * @param availability told (available, reason) whenever the journal fails or recovers
   * @param configDir    the directory of the configuration file, against which sinks resolve paths
   */
  public static Future<AuditService> start(Vertx vertx, AuditConfig config, Clock clock, GatewayMetrics metrics,
      BiConsumer<Boolean, String> availability, Path configDir) {
    EventIds ids = new EventIds(config.instance());
    Journal.Settings settings = new Journal.Settings(config.directory(), config.commitInterval(),
        config.segmentMaxBytes(), config.segmentMaxAge(), config.retention(), config.encryptionKey(),
        config.signingKey(), config.queueCapacity(), Duration.ofMillis(500));
    return vertx.executeBlocking(() -> Journal.open(settings, clock, ids), false).compose(journal -> {
      journal.addListener(new Journal.Listener() {
        @Override
        public void availability(boolean available, String reason) {
          availability.accept(available, reason);
        }
      });
      metrics.auditAvailable(() -> journal.failure() == null);
      AuditService service = new AuditService(vertx, journal, new AuditLog(journal, ids, clock));
      try {
        for (AuditConfig.Sink sink : config.sinks()) {
          service.shippers.add(new Shipper(vertx, journal, sink.name(), create(sink, vertx, ids, configDir),
              sink.batchSize(), sink.retryInitial(), sink.retryMax(), sink.timeout(), new Shipper.ShipperMetrics() {
                @Override
                public void shipped(String name, int records) {
                  metrics.auditShipped(name, records);
                }

                @Override
                public void failed(String name) {
                  metrics.auditShipFailed(name);
                }
              }));
          LOG.info("Audit sink '{}' ({}) ships the journal", sink.name(), sink.id());
        }
      } catch (IOException | RuntimeException e) {
        return service.close().transform(v -> Future.failedFuture(e));
      }
      journal.retentionGuard(segment -> service.shippers.stream().anyMatch(s -> s.segment() <= segment));
      return Future.succeededFuture(service);
    });
  }

  @SuppressWarnings("unchecked")
  private static <C extends Record> AuditSink create(AuditConfig.Sink sink, Vertx vertx, EventIds ids,
      Path configDir) {
    AuditSinkFactory<C> factory = (AuditSinkFactory<C>) sink.factory();
    return factory.create((C) sink.config(), new SinkSetup() {
      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public String name() {
        return sink.name();
      }

      @Override
      public String instanceId() {
        return ids.instance();
      }

      @Override
      public Path resolve(String path) {
        return configDir.resolve(path);
      }
    });
  }

  public AuditLog log() {
    return log;
  }

  public Journal journal() {
    return journal;
  }

  /** Stops the shippers, then seals and closes the journal. */
  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    shippers.forEach(s -> closing.add(s.close()));
    return Future.join(closing).eventually(() -> vertx.executeBlocking(() -> {
      journal.close();
      return null;
    }, false)).mapEmpty();
  }
}
