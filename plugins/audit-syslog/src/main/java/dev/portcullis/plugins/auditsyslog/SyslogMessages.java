package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.plugin.audit.AuditRecord;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * Turns journal records into RFC 5424 messages framed for RFC 5425 (octet counting):
 * {@code <len> <PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [portcullis@32473 id=".." seq=".."] BOM json}.
 */
final class SyslogMessages {

  /** The private enterprise number in the structured-data id. */
  static final String SD_ID = "portcullis@32473";

  static final int WARNING = 4;
  static final int NOTICE = 5;
  static final int INFO = 6;

  static final Map<String, Integer> FACILITIES = Map.ofEntries(
      Map.entry("kern", 0), Map.entry("user", 1), Map.entry("mail", 2), Map.entry("daemon", 3),
      Map.entry("auth", 4), Map.entry("syslog", 5), Map.entry("lpr", 6), Map.entry("news", 7),
      Map.entry("uucp", 8), Map.entry("cron", 9), Map.entry("authpriv", 10), Map.entry("ftp", 11),
      Map.entry("ntp", 12), Map.entry("security", 13), Map.entry("audit", 13), Map.entry("console", 14),
      Map.entry("alert", 14), Map.entry("clock", 15), Map.entry("solaris-cron", 15),
      Map.entry("local0", 16), Map.entry("local1", 17), Map.entry("local2", 18), Map.entry("local3", 19),
      Map.entry("local4", 20), Map.entry("local5", 21), Map.entry("local6", 22), Map.entry("local7", 23));

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final int facility;
  private final String hostname;
  private final String appName;

  /**
   * @param hostname and appName are made printable US-ASCII and cut to 255 and 48 characters
   */
  SyslogMessages(int facility, String hostname, String appName) {
    this.facility = facility;
    this.hostname = printable(hostname, 255);
    this.appName = printable(appName, 48);
  }

  /** A facility name or number; -1 when it is neither. */
  static int facility(String raw) {
    String name = raw.trim().toLowerCase(Locale.ROOT);
    Integer known = FACILITIES.get(name);
    if (known != null) {
      return known;
    }
    if (name.matches("\\d{1,2}")) {
      int number = Integer.parseInt(name);
      return number <= 23 ? number : -1;
    }
    return -1;
  }

  /** Appends one octet-counted frame for the record. */
  void frame(AuditRecord record, Buffer out) {
    String type = null;
    String decision = null;
    String time = null;
    try {
      JsonObject json = new JsonObject(record.json());
      type = json.getValue("type") instanceof String s ? s : null;
      decision = json.getValue("decision") instanceof String s ? s : null;
      time = json.getValue("time") instanceof String s ? s : null;
    } catch (DecodeException | ClassCastException e) {
      // not expected from the journal; the message still goes out, with nil values
    }
    String header = "<" + (facility * 8 + severity(type, decision)) + ">1 " + timestamp(time) + " " + hostname + " "
        + appName + " - " + printable(type, 32) + " [" + SD_ID + " id=\"" + escape(record.eventId()) + "\" seq=\""
        + record.sequence() + "\"] ";
    byte[] head = header.getBytes(StandardCharsets.UTF_8);
    byte[] body = record.json().getBytes(StandardCharsets.UTF_8);
    int length = head.length + BOM.length + body.length;
    out.appendString(Integer.toString(length), "US-ASCII").appendByte((byte) ' ')
        .appendBytes(head).appendBytes(BOM).appendBytes(body);
  }

  /**
   * notice for an allowed access; warning for a refused one (deny, challenge, error) and for failed
   * or locked-out authentication; info for everything else.
   */
  static int severity(String type, String decision) {
    if (type == null) {
      return INFO;
    }
    if (type.equals("access")) {
      if ("allow".equals(decision)) {
        return NOTICE;
      }
      if ("deny".equals(decision) || "challenge".equals(decision) || "error".equals(decision)) {
        return WARNING;
      }
      return INFO;
    }
    if (type.startsWith("auth.") && (type.endsWith(".failure") || type.endsWith(".lockout"))) {
      return WARNING;
    }
    return INFO;
  }

  /** RFC 5424 TIMESTAMP (at most microseconds, Z), or the nil value when the record has none. */
  static String timestamp(String time) {
    if (time == null) {
      return "-";
    }
    try {
      return Instant.parse(time).truncatedTo(ChronoUnit.MICROS).toString();
    } catch (DateTimeParseException e) {
      return "-";
    }
  }

  /** PRINTUSASCII (33..126), other characters replaced by '_', cut to max; the nil value when empty. */
  static String printable(String value, int max) {
    if (value == null || value.isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), max));
    for (int i = 0; i < value.length() && out.length() < max; i++) {
      char c = value.charAt(i);
      out.append(c >= 33 && c <= 126 ? c : '_');
    }
    return out.toString();
  }

  /** PARAM-VALUE escaping: '"', '\' and ']' get a backslash. */
  static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length() + 4);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\' || c == ']') {
        out.append('\\');
      }
      out.append(c);
    }
    return out.toString();
  }
}
