package dev.portcullis.plugins.auditkafka.logging;

import io.vertx.core.internal.logging.Logger;
import io.vertx.core.internal.logging.LoggerFactory;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends kafka-clients' SLF4J logging to Vert.x's logging, which the gateway routes to its own log.
 * The plugin's class loader cannot see the gateway's SLF4J, and the shaded jar relocates its SLF4J
 * copy, so this provider is only ever found by the plugin's own (relocated) SLF4J: it is registered
 * in the shaded jar only (see {@code src/shade}), never on a class path shared with the gateway.
 */
public final class VertxLoggingProvider implements SLF4JServiceProvider {

  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();
  private final Map<String, VertxLogger> loggers = new ConcurrentHashMap<>();
  private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, VertxLogger::new);

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {
  }

  private static final class VertxLogger extends LegacyAbstractLogger {

    private final transient Logger delegate;

    VertxLogger(String name) {
      this.name = name;
      this.delegate = LoggerFactory.getLogger(name);
    }

    @Override
    public boolean isTraceEnabled() {
      return delegate.isTraceEnabled();
    }

    @Override
    public boolean isDebugEnabled() {
      return delegate.isDebugEnabled();
    }

    @Override
    public boolean isInfoEnabled() {
      return delegate.isInfoEnabled();
    }

    @Override
    public boolean isWarnEnabled() {
      return delegate.isWarnEnabled();
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
        Throwable throwable) {
      String message = MessageFormatter.basicArrayFormat(pattern, arguments);
      switch (level) {
        case TRACE -> delegate.trace(message, throwable);
        case DEBUG -> delegate.debug(message, throwable);
        case INFO -> delegate.info(message, throwable);
        case WARN -> delegate.warn(message, throwable);
        default -> delegate.error(message, throwable);
      }
    }
  }
}
