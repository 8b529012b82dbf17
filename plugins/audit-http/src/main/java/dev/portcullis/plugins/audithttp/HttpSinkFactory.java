package dev.portcullis.plugins.audithttp;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.PolicyFactory.Option;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.net.IpAddresses;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import dev.portcullis.plugin.audit.SinkSetup;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** {@code http}: see this module's README. */
public final class HttpSinkFactory implements AuditSinkFactory<HttpSinkConfig> {

  public static final String ID = "http";

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final long DEFAULT_MAX_BATCH_BYTES = 4L * 1024 * 1024;

  private static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
  private static final long MIN_BATCH_BYTES = 1024;
  private static final long MAX_BATCH_BYTES = 256L * 1024 * 1024;
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  /** Headers the sink or the HTTP client sets; a configured one would break framing or deduplication. */
  private static final Set<String> RESERVED = Set.of("content-type", "content-length", "transfer-encoding", "host",
      "connection", "keep-alive", "te", "upgrade", "expect", "x-portcullis-batch", "idempotency-key");

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<HttpSinkConfig> configType() {
    return HttpSinkConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("url", "URL", "the collector's https:// address (plain http:// only to a loopback host)", null),
        new Option("headers", "mapping of header name to value",
            "extra request headers, e.g. Authorization; values are never logged", "{}"),
        new Option("timeout", "duration", "how long one POST may take, connect to response", "10s"),
        new Option("tls", "{ caFile }",
            "caFile: PEM CA certificate(s) for the collector (default: the JVM's trust store); the certificate "
                + "chain and host name are always checked", "{}"),
        new Option("maxBatchBytes", "size", "largest body of one POST; bigger batches are split", "4MiB"));
  }

  @Override
  public void validate(HttpSinkConfig config, Path configDirectory, ConfigErrors errors) {
    URI uri = url(config.url(), errors);
    if (config.headers() != null) {
      config.headers().forEach((name, value) -> header(name, value, errors));
    }
    if (config.timeout() != null) {
      Duration timeout = dev.portcullis.plugin.Durations.parse(config.timeout());
      if (timeout == null || timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
        errors.add("timeout", "must be a duration between 100ms and 5m such as 10s, got '" + config.timeout() + "'");
      }
    }
    if (config.maxBatchBytes() != null) {
      long size = Options.size(config.maxBatchBytes());
      if (size < MIN_BATCH_BYTES || size > MAX_BATCH_BYTES) {
        errors.add("maxBatchBytes", "must be a size between 1KiB and 256MiB such as 4MiB, got '"
            + config.maxBatchBytes() + "'");
      }
    }
    HttpSinkConfig.Tls tls = config.tls();
    if (tls != null) {
      if (uri != null && "http".equals(uri.getScheme())) {
        errors.add("tls", "applies to an https:// url only");
      }
      if (tls.caFile() != null) {
        if (tls.caFile().isBlank()) {
          errors.add("tls.caFile", "must not be empty (leave it out to use the JVM's trust store)");
        } else {
          Path path = configDirectory.resolve(tls.caFile());
          if (!Files.isReadable(path)) {
            errors.add("tls.caFile", "no readable file at " + path);
          }
        }
      }
    }
  }

  /** The parsed URL, or null after reporting. Never repeats the URL: its query may hold a token. */
  private static URI url(String raw, ConfigErrors errors) {
    if (raw == null || raw.isBlank()) {
      errors.add("url", "is required: the collector's https:// address");
      return null;
    }
    URI uri;
    try {
      uri = new URI(raw.trim());
    } catch (URISyntaxException e) {
      errors.add("url", "is not a valid URL (" + e.getReason() + ")");
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      errors.add("url", "must start with https:// (plain http:// only to a loopback host)");
      return null;
    }
    if (uri.getRawUserInfo() != null) {
      errors.add("url", "must not contain user:password@; put credentials in headers, which are never logged");
      return null;
    }
    if (uri.getHost() == null) {
      errors.add("url", "has no host");
      return null;
    }
    if (scheme.equals("http") && !IpAddresses.isLoopback(uri.getHost())) {
      errors.add("url", "plain http:// is allowed only to a loopback host (localhost, 127.0.0.0/8, ::1): "
          + "the audit trail would cross the network readable and changeable; use https:// for "
          + uri.getHost());
      return null;
    }
    return uri;
  }

  private static void header(String name, String value, ConfigErrors errors) {
    String field = "headers." + name;
    if (name == null || !TOKEN.matcher(name).matches()) {
      errors.add("headers", "'" + name + "' is not a valid header name");
    } else if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
      errors.add(field, "is set by the sink itself and cannot be configured");
    } else if (value == null || value.isEmpty()) {
      errors.add(field, "needs a value");
    } else if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
      errors.add(field, "the value contains a line break or control character (the value is not shown)");
    }
  }

  @Override
  public AuditSink create(HttpSinkConfig config, SinkSetup setup) {
    URI uri = URI.create(config.url().trim());
    Duration timeout = config.timeout() == null ? DEFAULT_TIMEOUT : dev.portcullis.plugin.Durations.parse(config.timeout());
    long maxBatchBytes = config.maxBatchBytes() == null ? DEFAULT_MAX_BATCH_BYTES : Options.size(config.maxBatchBytes());
    Path caFile = null;
    if (config.tls() != null && config.tls().caFile() != null) {
      caFile = setup.resolve(config.tls().caFile());
      if (!Files.isReadable(caFile)) {
        throw new IllegalArgumentException("audit sink '" + setup.name() + "': tls.caFile: no readable file at " + caFile);
      }
    }
    Map<String, String> headers = config.headers() == null ? Map.of() : Map.copyOf(config.headers());
    return new HttpSink(setup.vertx(), uri, headers, timeout, caFile, maxBatchBytes);
  }
}
