package dev.portcullis.plugins.auditkafka;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.SinkSetup;
import io.vertx.core.Vertx;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** What the broker tests share: a sink setup, records, a topic, a consumer. */
final class TestSupport {

  private TestSupport() {
  }

  static SinkSetup setup(Vertx vertx, Path configDir) {
    return new SinkSetup() {
      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public String name() {
        return "central";
      }

      @Override
      public String instanceId() {
        return "gw-test-1";
      }

      @Override
      public Path resolve(String path) {
        return configDir.resolve(path);
      }
    };
  }

  /** {@code count} records with fresh event ids, starting at {@code firstSequence}. */
  static List<AuditRecord> records(long firstSequence, int count) {
    List<AuditRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long sequence = firstSequence + i;
      String id = UUID.randomUUID().toString();
      records.add(new AuditRecord(id, sequence,
          "{\"eventId\":\"" + id + "\",\"sequence\":" + sequence + ",\"type\":\"test\"}"));
    }
    return records;
  }

  static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  /** Reads the topic from the beginning until {@code expectedKeys} distinct keys were seen; key to values. */
  static Map<String, List<String>> consume(String bootstrap, String topic, int expectedKeys) {
    Map<String, Object> config = Map.of(
        "bootstrap.servers", bootstrap,
        "group.id", "test-" + UUID.randomUUID(),
        "auto.offset.reset", "earliest",
        "enable.auto.commit", "false");
    Map<String, List<String>> seen = new HashMap<>();
    try (KafkaConsumer<String, String> consumer =
             new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      await("records on " + topic).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).until(() -> {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          seen.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(record.value());
        }
        return seen.size() >= expectedKeys;
      });
    }
    return seen;
  }
}
