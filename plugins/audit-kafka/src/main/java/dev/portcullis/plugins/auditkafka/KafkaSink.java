package dev.portcullis.plugins.auditkafka;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Sends each batch to one topic with an idempotent producer ({@code acks=all}), key = event id, value
 * = the record's JSON. The batch's future completes when the broker acknowledged every record and
 * fails, after every send has finished, if any was not — so the shipper's retry never overlaps the
 * failed attempt. The producer is created on first use, on a worker thread (creating it resolves the
 * bootstrap hosts and reads the TLS files); a failure there fails the batch, and the next one tries
 * again.
 */
final class KafkaSink implements AuditSink {

  private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
  /** Kafka's default batching delay since 4.0; the producer gathers a batch's records into few requests. */
  private static final long LINGER_MS = 5;
  private static final long CLOSE_TIMEOUT_MS = 5_000;

  /** What {@link KafkaSinkFactory#create} resolved. */
  record Settings(String bootstrap, String topic, String clientId, Duration deliveryTimeout,
      KafkaSinkFactory.Tls tls) {
  }

  private final Vertx vertx;
  private final String name;
  private final Settings settings;
  private Future<KafkaProducer<String, String>> producer;
  private boolean closed;

  KafkaSink(Vertx vertx, String name, Settings settings) {
    this.vertx = vertx;
    this.name = name;
    this.settings = settings;
    LOG.info("Audit sink '" + name + "' ships to Kafka topic '" + settings.topic() + "' via " + settings.bootstrap()
        + (settings.tls() == null ? " (plaintext)" : " (TLS)") + ", delivery timeout " + settings.deliveryTimeout().toMillis() + "ms");
  }

  @Override
  public Future<Void> deliver(List<AuditRecord> batch) {
    // Look the topic up first: a send blocks (up to max.block.ms) while the topic's metadata is
    // unknown — a cluster never reached, or one that has been down long enough for the metadata to
    // expire — and the client sends one record after the other, so each record would wait in turn.
    return producer().compose(p -> p.partitionsFor(settings.topic())
        .recover(e -> Future.failedFuture(new IllegalStateException("Kafka did not answer for topic '"
            + settings.topic() + "' via " + settings.bootstrap() + ": " + describe(e), e)))
        .compose(partitions -> send(p, batch)));
  }

  private Future<Void> send(KafkaProducer<String, String> p, List<AuditRecord> batch) {
    List<Future<?>> sends = new ArrayList<>(batch.size());
    for (AuditRecord record : batch) {
      sends.add(p.send(KafkaProducerRecord.create(settings.topic(), record.eventId(), record.json())));
    }
    return Future.join(sends).transform(done -> {
      if (done.succeeded()) {
        return Future.<Void>succeededFuture();
      }
      int failed = 0;
      Throwable first = null;
      for (Future<?> send : sends) {
        if (send.failed()) {
          failed++;
          first = first == null ? send.cause() : first;
        }
      }
      return Future.failedFuture(new IllegalStateException("Kafka did not acknowledge " + failed + " of "
          + batch.size() + " records for topic '" + settings.topic() + "': " + describe(first), first));
    });
  }

  @Override
  public synchronized Future<Void> close() {
    closed = true;
    Future<KafkaProducer<String, String>> current = producer;
    producer = null;
    if (current == null) {
      return Future.succeededFuture();
    }
    return current.compose(p -> p.close(CLOSE_TIMEOUT_MS)).otherwiseEmpty();
  }

  private synchronized Future<KafkaProducer<String, String>> producer() {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("audit sink '" + name + "' is closed"));
    }
    if (producer == null || producer.failed()) {
      producer = vertx.executeBlocking(this::createProducer, false);
      producer.onFailure(e -> LOG.warn("Audit sink '" + name + "' cannot create its Kafka producer: " + describe(e)));
    }
    return producer;
  }

  private KafkaProducer<String, String> createProducer() {
    Map<String, String> config = producerConfig(settings);
    if (settings.tls() != null && settings.tls().certFile() != null) {
      config.put("ssl.keystore.type", "PEM");
      config.put("ssl.keystore.certificate.chain", read(settings.tls().certFile()));
      config.put("ssl.keystore.key", read(settings.tls().keyFile()));
    }
    // kafka-clients loads classes by name through the context class loader: make it this plugin's,
    // whose parent does not see the shaded Kafka classes. Its network thread inherits it.
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(KafkaSink.class.getClassLoader());
    try {
      KafkaProducer<String, String> created = KafkaProducer.create(vertx, config, String.class, String.class);
      // Failed sends are reported through deliver()'s future; without a handler Vert.x would also log
      // each one as an unhandled exception.
      created.exceptionHandler(e -> LOG.debug("Audit sink '" + name + "': send failed: " + describe(e)));
      return created;
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  /** The producer configuration, without the contents of the TLS key files. */
  static Map<String, String> producerConfig(Settings settings) {
    long timeout = settings.deliveryTimeout().toMillis();
    Map<String, String> config = new HashMap<>();
    config.put("bootstrap.servers", settings.bootstrap());
    config.put("client.id", settings.clientId());
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    config.put("max.in.flight.requests.per.connection", "5");
    config.put("linger.ms", Long.toString(LINGER_MS));
    // delivery.timeout.ms bounds a send after it was accepted; max.block.ms bounds waiting for
    // metadata (a broker that was never reached) before that. Kafka wants
    // delivery >= linger + request timeout.
    config.put("delivery.timeout.ms", Long.toString(timeout));
    config.put("request.timeout.ms", Long.toString(Math.min(30_000, timeout - LINGER_MS)));
    config.put("max.block.ms", Long.toString(timeout));
    if (settings.tls() != null) {
      config.put("security.protocol", "SSL");
      if (settings.tls().caFile() != null) {
        config.put("ssl.truststore.type", "PEM");
        config.put("ssl.truststore.location", settings.tls().caFile().toString());
      }
    }
    return config;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getClass().getSimpleName(), e);
    }
  }

  private static String describe(Throwable e) {
    if (e == null) {
      return "unknown failure";
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}
