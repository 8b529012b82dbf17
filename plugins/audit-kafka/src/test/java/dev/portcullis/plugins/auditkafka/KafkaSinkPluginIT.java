package dev.portcullis.plugins.auditkafka;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged (shaded) plugin jar as the gateway loads it: in its own class loader whose parent shows
 * only the SPI, Vert.x core and the JDK. ServiceLoader finds the {@code kafka} factory, and a sink it
 * creates delivers to a real broker — so nothing the plugin needs is missing from the jar.
 */
class KafkaSinkPluginIT {

  private static KafkaBroker broker;
  private static Vertx vertx;

  @TempDir
  Path configDir;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = KafkaBroker.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    try {
      if (vertx != null) {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    } finally {
      if (broker != null) {
        broker.close();
      }
    }
  }

  @Test
  void theShadedJarLoadsInAnIsolatedClassLoaderAndDelivers() throws Exception {
    Path jar = Path.of(System.getProperty("plugin.jar", "(system property plugin.jar not set)"));
    assertThat(jar).isRegularFile();
    SpiOnlyParent parent = new SpiOnlyParent(KafkaSinkPluginIT.class.getClassLoader());
    try (URLClassLoader loader = new URLClassLoader("plugin:" + jar.getFileName(), new URL[] {jar.toUri().toURL()},
        parent)) {
      // what the jar carries, and what it must leave to the gateway
      assertThat(loader.findResource("org/apache/kafka/clients/producer/KafkaProducer.class")).isNotNull();
      assertThat(loader.findResource("io/vertx/kafka/client/producer/KafkaProducer.class")).isNotNull();
      assertThat(loader.findResource("io/vertx/core/Vertx.class")).isNull();
      assertThat(loader.findResource("dev/portcullis/plugin/audit/AuditSink.class")).isNull();
      assertThat(loader.findResource("org/slf4j/LoggerFactory.class")).as("SLF4J is relocated").isNull();

      List<AuditSinkFactory<?>> factories = ServiceLoader.load(AuditSinkFactory.class, loader).stream()
          .<AuditSinkFactory<?>>map(ServiceLoader.Provider::get).toList();
      assertThat(factories).extracting(AuditSinkFactory::id).containsExactly("kafka");
      @SuppressWarnings("unchecked")
      AuditSinkFactory<Record> factory = (AuditSinkFactory<Record>) factories.get(0);
      assertThat(factory.getClass().getClassLoader()).isSameAs(loader);
      assertThat(factory.configType().getClassLoader()).isSameAs(loader);

      TestSupport.createTopic(broker.bootstrap(), "audit-isolated", 1);
      Record config = bind(factory.configType(),
          Map.of("bootstrap", broker.bootstrap(), "topic", "audit-isolated", "deliveryTimeout", "20s"));
      List<String> problems = new ArrayList<>();
      factory.validate(config, configDir, (field, message) -> problems.add(field + ": " + message));
      assertThat(problems).isEmpty();

      AuditSink sink = factory.create(config, TestSupport.setup(vertx, configDir));
      try {
        List<AuditRecord> batch = TestSupport.records(1, 20);
        Promise<Void> delivered = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> sink.deliver(batch).onComplete(delivered));
        delivered.future().await(60, TimeUnit.SECONDS);

        Map<String, List<String>> seen = TestSupport.consume(broker.bootstrap(), "audit-isolated", 20);
        assertThat(seen).isEqualTo(batch.stream().collect(Collectors.toMap(AuditRecord::eventId,
            r -> List.of(r.json()))));
      } finally {
        sink.close().await(10, TimeUnit.SECONDS);
      }
    }
  }

  /** Builds the plugin's config record (from the plugin's loader) as the core's binder would. */
  private static Record bind(Class<? extends Record> type, Map<String, String> options) throws Exception {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = options.get(components[i].getName());
    }
    return type.getDeclaredConstructor(types).newInstance(values);
  }

  /**
   * The parent the gateway gives every plugin jar (the idea of gateway-core's SpiOnlyClassLoader):
   * the SPI, Vert.x core and the JDK; no resources but the JDK's.
   */
  private static final class SpiOnlyParent extends ClassLoader {

    private final ClassLoader application;

    SpiOnlyParent(ClassLoader application) {
      super("portcullis-plugin-parent", ClassLoader.getPlatformClassLoader());
      this.application = application;
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("dev.portcullis.plugin.") || name.startsWith("io.vertx.core.")) {
        return application.loadClass(name);
      }
      return super.loadClass(name, resolve);
    }
  }
}
