package dev.portcullis.gateway.audit;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import dev.portcullis.plugin.audit.SinkSetup;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sink for testing the shipper: keeps what it accepted per sink name, and misbehaves on purpose for
 * its first {@code misbehave} deliveries ({@code hang}: never answers; {@code fail}: fails).
 */
public final class TestSinkFactory implements AuditSinkFactory<TestSinkFactory.Config> {

  public static final Map<String, List<AuditRecord>> ACCEPTED = new ConcurrentHashMap<>();
  public static final Map<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();

  public record Config(String mode, int misbehave) {
  }

  @Override
  public String id() {
    return "test-sink";
  }

  @Override
  public Class<Config> configType() {
    return Config.class;
  }

  @Override
  public List<PolicyFactory.Option> options() {
    return List.of(new PolicyFactory.Option("mode", "hang | fail", "how to misbehave", null),
        new PolicyFactory.Option("misbehave", "number", "how many deliveries misbehave", "0"));
  }

  @Override
  public void validate(Config config, Path configDirectory, ConfigErrors errors) {
    if (config.mode() != null && !config.mode().equals("hang") && !config.mode().equals("fail")) {
      errors.add("mode", "must be hang or fail, got '" + config.mode() + "'");
    }
  }

  @Override
  public AuditSink create(Config config, SinkSetup setup) {
    List<AuditRecord> accepted = ACCEPTED.computeIfAbsent(setup.name(), n -> new CopyOnWriteArrayList<>());
    AtomicInteger attempts = ATTEMPTS.computeIfAbsent(setup.name(), n -> new AtomicInteger());
    return batch -> {
      int attempt = attempts.incrementAndGet();
      if (attempt <= config.misbehave()) {
        return "hang".equals(config.mode()) ? Promise.<Void>promise().future()
            : Future.failedFuture(new IllegalStateException("test sink refuses attempt " + attempt));
      }
      accepted.addAll(batch);
      return Future.succeededFuture();
    };
  }
}
