package dev.portcullis.plugin.testkit;

import dev.portcullis.plugin.audit.AuditRecord;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import dev.portcullis.plugin.audit.SinkSetup;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives an {@link AuditSinkFactory} the way the gateway does — strict option binding, then
 * {@code validate}, then {@code create} with a {@link SinkSetup} — and calls {@code deliver} on a
 * Vert.x event-loop context, as the core's shipper does.
 *
 * <pre>{@code
 * SinkHarness<MyConfig> harness = SinkHarness.of(new MySinkFactory(), vertx, configDir);
 * assertThat(harness.problems(Map.of("url", "ftp://x"))).containsExactly("url: ...");
 * AuditSink sink = harness.create(Map.of("url", "https://collector.example/ingest"));
 * AsyncResult<Void> result = harness.deliver(sink, List.of(SinkHarness.record(1)));
 * }</pre>
 */
public final class SinkHarness<C extends Record> {

  private final AuditSinkFactory<C> factory;
  private final Vertx vertx;
  private final Path configDir;
  private final Context context;
  private String name;
  private String instanceId = "test-instance";

  private SinkHarness(AuditSinkFactory<C> factory, Vertx vertx, Path configDir) {
    this.factory = factory;
    this.vertx = vertx;
    this.configDir = configDir;
    this.context = vertx.getOrCreateContext();
    this.name = factory.id();
  }

  /**
   * @param vertx     the Vert.x the sink creates its clients from (the test owns and closes it)
   * @param configDir what relative paths in the options resolve against
   */
  public static <C extends Record> SinkHarness<C> of(AuditSinkFactory<C> factory, Vertx vertx, Path configDir) {
    return new SinkHarness<>(factory, vertx, configDir);
  }

  public SinkHarness<C> name(String name) {
    this.name = name;
    return this;
  }

  public SinkHarness<C> instanceId(String instanceId) {
    this.instanceId = instanceId;
    return this;
  }

  /** The problems the gateway would report for these options, as {@code field: message}; empty when valid. */
  public List<String> problems(Map<String, Object> options) {
    return CheckedOptions.problems(factory.configType(), options, (config, errors) ->
        factory.validate(config, configDir, errors));
  }

  /** A sink for valid options; fails the test with the problems otherwise. */
  public AuditSink create(Map<String, Object> options) {
    C config = CheckedOptions.valid(factory.configType(), options, (bound, errors) ->
        factory.validate(bound, configDir, errors));
    return factory.create(config, setup());
  }

  /** The setup the gateway would hand to {@code create}. */
  public SinkSetup setup() {
    return new SinkSetup() {
      @Override
      public Vertx vertx() {
        return vertx;
      }

      @Override
      public String name() {
        return name;
      }

      @Override
      public String instanceId() {
        return instanceId;
      }

      @Override
      public Path resolve(String path) {
        return configDir.resolve(path);
      }
    };
  }

  /**
   * Calls {@code deliver} on the harness's event-loop context and waits (at most 30 s) for the
   * outcome; a {@code deliver} that throws is reported as a failure, as the shipper treats it.
   */
  public AsyncResult<Void> deliver(AuditSink sink, List<AuditRecord> batch) {
    return await(run(() -> sink.deliver(batch)));
  }

  /** Calls {@code close} on the harness's context and waits for it. */
  public AsyncResult<Void> close(AuditSink sink) {
    return await(run(sink::close));
  }

  private Future<Void> run(java.util.function.Supplier<Future<Void>> call) {
    Promise<Void> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        Future<Void> future = call.get();
        if (future == null) {
          promise.fail(new NullPointerException("the sink returned null instead of a future"));
        } else {
          future.onComplete(promise);
        }
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future();
  }

  private static AsyncResult<Void> await(Future<Void> future) {
    CompletableFuture<AsyncResult<Void>> done = new CompletableFuture<>();
    future.onComplete(done::complete);
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the sink did not complete within 30 s: " + e, e);
    }
  }

  /**
   * A record as the journal would hand it over: {@code {"v":1,"id":...,"time":...,"type":...}} plus
   * the given extra fields (already JSON, e.g. {@code "\"decision\":\"allow\""}).
   */
  public static AuditRecord record(long sequence, String type, String... extraFields) {
    String id = "evt-" + sequence;
    StringBuilder json = new StringBuilder("{\"v\":1,\"id\":\"").append(id)
        .append("\",\"time\":\"2026-01-02T03:04:05.").append(String.format("%03d", sequence % 1000))
        .append("Z\",\"type\":\"").append(type).append("\",\"instance\":\"test-instance\"");
    for (String field : extraFields) {
      json.append(',').append(field);
    }
    return new AuditRecord(id, sequence, json.append('}').toString());
  }
}
