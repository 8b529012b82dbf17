package dev.portcullis.gateway.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.event.KeyValuePair;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * One flat JSON object per log event: {@code time, level, logger, thread, message}, then each
 * key/value pair of the event as its own top-level field with its own JSON type (so
 * {@code jq 'select(.status >= 500)'} works), then {@code error} with the stack trace if any.
 * Logback's own JsonEncoder nests key/values as a list of one-entry objects with string values.
 */
public final class JsonLineEncoder extends EncoderBase<ILoggingEvent> {

  private static final byte[] EMPTY = new byte[0];
  private final JsonFactory factory = new JsonFactory();

  @Override
  public byte[] headerBytes() {
    return EMPTY;
  }

  @Override
  public byte[] footerBytes() {
    return EMPTY;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = factory.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      json.writeStringField("level", event.getLevel().toString());
      json.writeStringField("logger", event.getLoggerName());
      json.writeStringField("thread", event.getThreadName());
      json.writeStringField("message", event.getFormattedMessage());
      if (event.getKeyValuePairs() != null) {
        for (KeyValuePair kv : event.getKeyValuePairs()) {
          writeValue(json, kv.key, kv.value);
        }
      }
      IThrowableProxy error = event.getThrowableProxy();
      if (error != null) {
        json.writeStringField("error", ThrowableProxyUtil.asString(error));
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void writeValue(JsonGenerator json, String key, Object value) throws IOException {
    if (value == null) {
      json.writeNullField(key);
    } else if (value instanceof Integer || value instanceof Long) {
      json.writeNumberField(key, ((Number) value).longValue());
    } else if (value instanceof Number n) {
      json.writeNumberField(key, n.doubleValue());
    } else if (value instanceof Boolean b) {
      json.writeBooleanField(key, b);
    } else {
      json.writeStringField(key, value.toString());
    }
  }
}
