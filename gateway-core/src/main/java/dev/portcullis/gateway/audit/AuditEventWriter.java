package dev.portcullis.gateway.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * Encodes events in the journal's schema, version {@value #VERSION} (docs/audit-events.md): the
 * common fields {@code v, id, time, type, instance}, then the event's own. Null values are left
 * out. Only this class decides what an event looks like, so nothing else can slip a field in.
 */
public final class AuditEventWriter {

  public static final int VERSION = 1;
  private static final JsonFactory JSON = new JsonFactory();
  /** Always with milliseconds, so that times compare as text (and line up in a terminal). */
  public static final java.time.format.DateTimeFormatter TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

  private final JsonGenerator json;
  private final ByteArrayBuilder out = new ByteArrayBuilder(384);

  private AuditEventWriter(String type, String id, Instant time, String instance) {
    try {
      json = JSON.createGenerator(out);
      json.writeStartObject();
      json.writeNumberField("v", VERSION);
      json.writeStringField("id", id);
      json.writeStringField("time", time(time));
      json.writeStringField("type", type);
      json.writeStringField("instance", instance);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The second last formatted, shared by all threads: most events of a busy second reuse it. */
  private static volatile Object[] lastSecond = {Long.MIN_VALUE, ""};

  /** {@link #TIME} of an instant; formats only the milliseconds when the second was seen last. */
  static String time(Instant time) {
    Object[] cached = lastSecond;
    long second = time.getEpochSecond();
    String prefix;
    if ((long) cached[0] == second) {
      prefix = (String) cached[1];
    } else {
      String full = TIME.format(time);
      prefix = full.substring(0, 20); // yyyy-MM-ddTHH:mm:ss.
      lastSecond = new Object[] {second, prefix};
    }
    int millis = time.getNano() / 1_000_000;
    return new StringBuilder(24).append(prefix).append((char) ('0' + millis / 100))
        .append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10)).append('Z').toString();
  }

  public static AuditEventWriter event(String type, String id, Instant time, String instance) {
    return new AuditEventWriter(type, id, time, instance);
  }

  public AuditEventWriter put(String name, String value) {
    try {
      if (value != null) {
        json.writeStringField(name, value);
      }
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public AuditEventWriter put(String name, Integer value) {
    try {
      if (value != null) {
        json.writeNumberField(name, value);
      }
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public AuditEventWriter put(String name, long value) {
    try {
      json.writeNumberField(name, value);
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A number with three decimals (milliseconds with microsecond precision). */
  public AuditEventWriter putMillis(String name, long nanos) {
    try {
      json.writeFieldName(name);
      json.writeNumber(java.math.BigDecimal.valueOf(nanos / 1000, 3));
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public AuditEventWriter put(String name, Map<String, String> values) {
    try {
      if (values != null) {
        json.writeObjectFieldStart(name);
        for (Map.Entry<String, String> entry : new java.util.TreeMap<>(values).entrySet()) {
          json.writeStringField(entry.getKey(), entry.getValue());
        }
        json.writeEndObject();
      }
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The event's JSON, UTF-8, one object with no line break. */
  public byte[] bytes() {
    try {
      json.writeEndObject();
      json.close();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static byte[] checkpoint(String id, Instant time, String instance, long segment, long firstSeq, long records,
      String signature) {
    return event("journal.checkpoint", id, time, instance).put("segment", segment).put("firstSeq", firstSeq)
        .put("records", records).put("sig", signature).bytes();
  }

  static byte[] recovered(String id, Instant time, String instance, String failedSince, long refused,
      long unsealedSegment, String reason) {
    AuditEventWriter event = event("journal.recovered", id, time, instance).put("failedSince", failedSince)
        .put("refused", refused).put("reason", reason);
    if (unsealedSegment > 0) {
      event.put("unsealedSegment", unsealedSegment);
    }
    return event.bytes();
  }
}
