package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.PolicyFactory.Option;
import dev.portcullis.plugin.audit.AuditSink;
import dev.portcullis.plugin.net.IpAddresses;
import dev.portcullis.plugin.audit.AuditSinkFactory;
import dev.portcullis.plugin.audit.SinkSetup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** {@code syslog}: see this module's README. */
public final class SyslogSinkFactory implements AuditSinkFactory<SyslogSinkConfig> {

  public static final String ID = "syslog";

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final String DEFAULT_APP_NAME = "portcullis";
  static final String DEFAULT_FACILITY = "authpriv";

  private static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
  private static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);
  private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]+");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:\\[\\]%-]+");

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<SyslogSinkConfig> configType() {
    return SyslogSinkConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("host", "host name or IP address", "the syslog collector", null),
        new Option("port", "number", "its TLS syslog port (6514 by convention)", null),
        new Option("tls", "{ enabled, caFile, certFile, keyFile }",
            "TLS, always verified, against caFile (default: the JVM's trust store); certFile and keyFile for "
                + "mutual TLS; enabled: false (plain TCP) only to a loopback host", "{ enabled: true }"),
        new Option("appName", "text", "APP-NAME of every message (at most 48 printable ASCII characters)",
            DEFAULT_APP_NAME),
        new Option("facility", "facility name or 0..23", "kern, user, mail, daemon, auth, syslog, lpr, news, uucp, "
            + "cron, authpriv, ftp, ntp, security, console, clock, local0..local7", DEFAULT_FACILITY),
        new Option("hostname", "text", "HOSTNAME of every message (at most 255 printable ASCII characters)",
            "the instance id"),
        new Option("timeout", "duration", "how long connecting and writing one batch may take", "10s"));
  }

  @Override
  public void validate(SyslogSinkConfig config, Path configDirectory, ConfigErrors errors) {
    String host = config.host() == null ? null : config.host().trim();
    if (host == null || host.isEmpty()) {
      errors.add("host", "is required: the syslog collector's host name or address");
    } else if (!HOST.matcher(host).matches()) {
      errors.add("host", "'" + host + "' is not a host name or IP address");
    }
    if (config.port() == null) {
      errors.add("port", "is required (6514 is the usual syslog-over-TLS port)");
    } else if (config.port() < 1 || config.port() > 65535) {
      errors.add("port", "must be between 1 and 65535, got " + config.port());
    }
    SyslogSinkConfig.Tls tls = config.tls();
    if (tls != null) {
      if (Boolean.FALSE.equals(tls.enabled())) {
        if (host != null && !host.isEmpty() && !IpAddresses.isLoopback(host)) {
          errors.add("tls.enabled", "plain TCP is allowed only to a loopback host (localhost, 127.0.0.0/8, ::1): "
              + "the audit trail would cross the network readable and changeable; keep TLS on for " + host);
        }
        if (tls.caFile() != null || tls.certFile() != null || tls.keyFile() != null) {
          errors.add("tls", "caFile, certFile and keyFile have no effect with enabled: false");
        }
      } else {
        file("tls.caFile", tls.caFile(), configDirectory, errors);
        file("tls.certFile", tls.certFile(), configDirectory, errors);
        file("tls.keyFile", tls.keyFile(), configDirectory, errors);
        if (tls.certFile() != null && tls.keyFile() == null) {
          errors.add("tls.keyFile", "is required with tls.certFile (mutual TLS needs both)");
        } else if (tls.keyFile() != null && tls.certFile() == null) {
          errors.add("tls.certFile", "is required with tls.keyFile (mutual TLS needs both)");
        }
      }
    }
    if (config.appName() != null && (config.appName().length() > 48 || !PRINTABLE.matcher(config.appName()).matches())) {
      errors.add("appName", "must be 1 to 48 printable ASCII characters without spaces, got '" + config.appName() + "'");
    }
    if (config.facility() != null && SyslogMessages.facility(config.facility()) < 0) {
      errors.add("facility", "unknown facility '" + config.facility() + "'; use one of kern, user, mail, daemon, "
          + "auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, clock, local0..local7 "
          + "or a number 0..23");
    }
    if (config.hostname() != null && (config.hostname().length() > 255 || !PRINTABLE.matcher(config.hostname()).matches())) {
      errors.add("hostname", "must be 1 to 255 printable ASCII characters without spaces");
    }
    if (config.timeout() != null) {
      Duration timeout = dev.portcullis.plugin.Durations.parse(config.timeout());
      if (timeout == null || timeout.compareTo(MIN_TIMEOUT) < 0 || timeout.compareTo(MAX_TIMEOUT) > 0) {
        errors.add("timeout", "must be a duration between 100ms and 5m such as 10s, got '" + config.timeout() + "'");
      }
    }
  }

  /** The file must be readable (a relative path: against the configuration's directory). */
  private static void file(String field, String path, Path configDirectory, ConfigErrors errors) {
    if (path == null) {
      return;
    }
    if (path.isBlank()) {
      errors.add(field, "must not be empty");
      return;
    }
    Path file = configDirectory.resolve(path);
    if (!Files.isReadable(file)) {
      errors.add(field, "no readable file at " + file);
    }
  }

  @Override
  public AuditSink create(SyslogSinkConfig config, SinkSetup setup) {
    SyslogSinkConfig.Tls tls = config.tls();
    boolean enabled = tls == null || !Boolean.FALSE.equals(tls.enabled());
    Path caFile = tls == null ? null : resolve(setup, "tls.caFile", tls.caFile());
    Path certFile = tls == null ? null : resolve(setup, "tls.certFile", tls.certFile());
    Path keyFile = tls == null ? null : resolve(setup, "tls.keyFile", tls.keyFile());
    Duration timeout = config.timeout() == null ? DEFAULT_TIMEOUT : dev.portcullis.plugin.Durations.parse(config.timeout());
    SyslogMessages messages = new SyslogMessages(
        SyslogMessages.facility(config.facility() == null ? DEFAULT_FACILITY : config.facility()),
        config.hostname() == null ? setup.instanceId() : config.hostname(),
        config.appName() == null ? DEFAULT_APP_NAME : config.appName());
    return new SyslogSink(setup.vertx(), config.host().trim(), config.port(), enabled, caFile, certFile, keyFile,
        timeout, messages);
  }

  private static Path resolve(SinkSetup setup, String field, String path) {
    if (path == null) {
      return null;
    }
    Path file = setup.resolve(path);
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException("audit sink '" + setup.name() + "': " + field + ": no readable file at " + file);
    }
    return file;
  }
}
