package dev.portcullis.plugins.auditsyslog;

import dev.portcullis.plugin.audit.AuditRecord;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the RFC 5424 rendering. */
class SyslogMessagesTest {

  @ParameterizedTest(name = "{0} {1}: {2}")
  @CsvSource(nullValues = "null", textBlock = """
      access,           allow,     5
      access,           deny,      4
      access,           challenge, 4
      access,           error,     4
      access,           shadow,    6
      access,           null,      6
      auth.failure,     null,      4
      auth.mfa.failure, null,      4
      auth.lockout,     null,      4
      auth.login,       null,      6
      admin.user.update, null,     6
      null,             null,      6
      """)
  void severityFollowsTypeAndDecision(String type, String decision, int severity) {
    assertThat(SyslogMessages.severity(type, decision)).isEqualTo(severity);
  }

  @Test
  void msgIdIsPrintableAsciiOfAtMost32Characters() {
    assertThat(SyslogMessages.printable("access", 32)).isEqualTo("access");
    assertThat(SyslogMessages.printable("plugin.x.y z\u00e9", 32)).isEqualTo("plugin.x.y_z_");
    assertThat(SyslogMessages.printable("a".repeat(40), 32)).hasSize(32);
    assertThat(SyslogMessages.printable("", 32)).isEqualTo("-");
    assertThat(SyslogMessages.printable(null, 32)).isEqualTo("-");
  }

  @Test
  void paramValuesEscapeQuoteBackslashAndBracket() {
    assertThat(SyslogMessages.escape("a\"b\\c]d[e")).isEqualTo("a\\\"b\\\\c\\]d[e");
  }

  @Test
  void timestampsAreRfc3339WithAtMostMicroseconds() {
    assertThat(SyslogMessages.timestamp("2026-01-02T03:04:05.123Z")).isEqualTo("2026-01-02T03:04:05.123Z");
    assertThat(SyslogMessages.timestamp("2026-01-02T03:04:05.123456789Z")).isEqualTo("2026-01-02T03:04:05.123456Z");
    assertThat(SyslogMessages.timestamp("yesterday")).isEqualTo("-");
    assertThat(SyslogMessages.timestamp(null)).isEqualTo("-");
  }

  @Test
  void theFrameLengthCountsBytesNotCharacters() {
    SyslogMessages messages = new SyslogMessages(10, "gw 1", "portcullis");
    Buffer out = Buffer.buffer();
    messages.frame(new AuditRecord("e1", 9, "{\"type\":\"access\",\"decision\":\"allow\",\"path\":\"/\u00fc\"}"), out);
    String frame = out.toString(StandardCharsets.UTF_8);
    int space = frame.indexOf(' ');
    assertThat(Integer.parseInt(frame.substring(0, space))).isEqualTo(out.length() - space - 1);
    assertThat(frame.substring(space + 1)).startsWith("<85>1 - gw_1 portcullis - access [portcullis@32473 id=\"e1\" seq=\"9\"] \uFEFF{");
  }

  @Test
  void aRecordThatIsNotJsonStillGoesOutWithNilValues() {
    Buffer out = Buffer.buffer();
    new SyslogMessages(16, "h", "a").frame(new AuditRecord("e1", 1, "not json"), out);
    assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("<134>1 - h a - - [portcullis@32473 id=\"e1\" seq=\"1\"] \uFEFFnot json");
  }

  @Test
  void facilitiesByNameOrNumber() {
    assertThat(SyslogMessages.facility("authpriv")).isEqualTo(10);
    assertThat(SyslogMessages.facility("LOCAL7")).isEqualTo(23);
    assertThat(SyslogMessages.facility("13")).isEqualTo(13);
    assertThat(SyslogMessages.facility("24")).isEqualTo(-1);
    assertThat(SyslogMessages.facility("daemons")).isEqualTo(-1);
  }
}
