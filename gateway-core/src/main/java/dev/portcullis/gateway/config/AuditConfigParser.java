package dev.portcullis.gateway.config;

import dev.portcullis.gateway.policy.PluginRegistry;
import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.audit.AuditSinkFactory;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Reads the {@code audit:} section and the routes' {@code audit:} entries (see AuditConfig). */
final class AuditConfigParser {

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-_]{0,62}");
  private static final Set<String> CORE_SINK_KEYS = Set.of("name", "batchSize", "retry", "timeout");

  private final Function<String, Path> paths;
  private final PluginRegistry plugins;

  AuditConfigParser(Function<String, Path> paths, PluginRegistry plugins) {
    this.paths = paths;
    this.plugins = plugins;
  }

  AuditConfig audit(ConfigNode node, Path dataDir) {
    if (node == null) {
      return new AuditConfig(dataDir.resolve("audit"), hostName(), AuditConfig.Durability.BATCH,
          Duration.ofMillis(5), 64L * 1024 * 1024, Duration.ofDays(1), Duration.ofDays(400), null,
          dataDir.resolve("audit-signing-key.pem"), 65_536, List.of());
    }
    String directory = node.string("directory", null);
    AuditConfig.Durability durability = durability(node, AuditConfig.Durability.BATCH);
    Duration commit = node.duration("commitInterval", Duration.ofMillis(5));
    if (commit.toMillis() < 1 || commit.toMillis() > 1000) {
      node.error("commitInterval", "must be between 1ms and 1s");
    }
    long maxBytes = 64L * 1024 * 1024;
    Duration maxAge = Duration.ofDays(1);
    ConfigNode segment = node.object("segment", false);
    if (segment != null) {
      maxBytes = segment.size("maxSize", maxBytes);
      if (maxBytes < 4096) {
        segment.error("maxSize", "must be at least 4KiB");
      }
      maxAge = segment.duration("maxAge", maxAge);
      if (maxAge.toSeconds() < 1) {
        segment.error("maxAge", "must be at least 1s");
      }
      segment.finish();
    }
    Duration retention = retention(node);
    byte[] key = encryptionKey(node.object("encryption", false));
    String signingKey = node.string("signingKey", null);
    int queue = node.integer("queueCapacity", 65_536, 1024, 4_194_304);
    String instance = node.string("instance", hostName());
    if (instance.isBlank() || instance.length() > 128) {
      node.error("instance", "must be 1 to 128 characters");
    }
    List<AuditConfig.Sink> sinks = sinks(node);
    node.finish();
    return new AuditConfig(directory == null ? dataDir.resolve("audit") : paths.apply(directory), instance,
        durability, commit, maxBytes, maxAge, retention, key,
        signingKey == null ? dataDir.resolve("audit-signing-key.pem") : paths.apply(signingKey), queue,
        List.copyOf(sinks));
  }

  /** A route's {@code audit: { durability: sync }}; null when the route says nothing. */
  AuditConfig.Durability routeDurability(ConfigNode node) {
    if (node == null) {
      return null;
    }
    AuditConfig.Durability durability = durability(node, null);
    node.finish();
    return durability;
  }

  private static AuditConfig.Durability durability(ConfigNode node, AuditConfig.Durability fallback) {
    String raw = node.string("durability", null);
    if (raw == null) {
      return fallback;
    }
    return switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "batch" -> AuditConfig.Durability.BATCH;
      case "sync" -> AuditConfig.Durability.SYNC;
      default -> {
        node.error("durability", "must be 'batch' (journaled before the response, synced within "
            + "commitInterval) or 'sync' (the response waits for the fsync), got '" + raw + "'");
        yield fallback;
      }
    };
  }

  private static Duration retention(ConfigNode node) {
    if (!node.has("retention")) {
      return Duration.ofDays(400);
    }
    String raw = node.string("retention", "");
    if (raw.trim().equals("forever")) {
      return null;
    }
    Duration parsed = ConfigNode.parseDuration(raw.trim());
    if (parsed == null || parsed.toHours() < 1 || parsed.compareTo(ConfigNode.MAX_DURATION) > 0) {
      node.error("retention", "must be a duration of at least 1h (such as 90d) or 'forever', got '" + raw + "'");
      return Duration.ofDays(400);
    }
    return parsed;
  }

  private static byte[] encryptionKey(ConfigNode node) {
    if (node == null) {
      return null;
    }
    String raw = node.requiredString("key");
    node.finish();
    if (raw == null) {
      return null;
    }
    return AesKeys.decode(node, "key", raw);
  }

  private List<AuditConfig.Sink> sinks(ConfigNode node) {
    List<AuditConfig.Sink> sinks = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode entry : node.list("sinks", false)) {
      AuditConfig.Sink sink = sink(entry);
      if (sink != null) {
        if (!names.add(sink.name())) {
          entry.error("name", "two sinks are named '" + sink.name() + "'; give each a unique name");
        }
        sinks.add(sink);
      }
    }
    return sinks;
  }

  private AuditConfig.Sink sink(ConfigNode entry) {
    if (!entry.isMapping()) {
      entry.error("a sink entry is a mapping: { <sink-id>: { options }, name: ..., batchSize: ..., retry: ... }");
      return null;
    }
    List<String> ids = entry.keys().stream().filter(k -> !CORE_SINK_KEYS.contains(k)).toList();
    if (ids.size() != 1) {
      entry.error("one sink per entry: write { <sink-id>: { options } }" + (ids.isEmpty() ? ""
          : "; found " + String.join(", ", ids)));
      ids.forEach(k -> entry.plain(k, new HashMap<>()));
      entry.finish();
      return null;
    }
    String id = ids.get(0);
    String name = entry.string("name", id);
    if (!NAME.matcher(name).matches()) {
      entry.error("name", "'" + name + "' is not a valid sink name (lower-case letters, digits, '-' and '_')");
    }
    int batchSize = entry.integer("batchSize", 500, 1, 10_000);
    Duration timeout = entry.duration("timeout", Duration.ofSeconds(60));
    if (timeout.toMillis() < 100) {
      entry.error("timeout", "must be at least 100ms");
    }
    Duration retryInitial = Duration.ofMillis(200);
    Duration retryMax = Duration.ofSeconds(30);
    ConfigNode retry = entry.object("retry", false);
    if (retry != null) {
      retryInitial = retry.duration("initial", retryInitial);
      retryMax = retry.duration("max", retryMax);
      if (retryInitial.toMillis() < 10 || retryMax.compareTo(retryInitial) < 0) {
        retry.error("initial must be at least 10ms and max at least initial");
      }
      retry.finish();
    }
    Map<String, Integer> lines = new HashMap<>();
    Object options = entry.plain(id, lines);
    AuditSinkFactory<?> factory = plugins.sinkFactory(id);
    if (factory == null) {
      entry.error(id, "unknown audit sink '" + id + "'; installed sinks: "
          + (plugins.sinkIds().isEmpty() ? "none" : String.join(", ", plugins.sinkIds())));
      entry.finish();
      return null;
    }
    Record config = PluginOptions.bind(entry, id, options, lines, factory.configType(), "sink '" + id + "'",
        (bound, errors) -> validate(factory, bound, paths.apply(""), errors));
    return config == null ? null
        : new AuditConfig.Sink(name, id, factory, config, batchSize, retryInitial, retryMax, timeout);
  }

  @SuppressWarnings("unchecked")
  private static <C extends Record> void validate(AuditSinkFactory<C> factory, Record config, Path configDirectory,
      ConfigErrors errors) {
    factory.validate((C) config, configDirectory, errors);
  }

  private static String hostName() {
    String env = System.getenv("HOSTNAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "portcullis";
    }
  }
}
