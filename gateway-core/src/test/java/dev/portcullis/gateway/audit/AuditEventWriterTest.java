package dev.portcullis.gateway.audit;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class AuditEventWriterTest {

  @Test
  void timesAreFixedWidthUtcWithMillisecondsAcrossSeconds() {
    for (String text : new String[] {"2026-11-25T08:15:02.123Z", "2026-11-25T08:15:02.007Z",
        "2026-11-25T08:15:03Z", "1999-12-31T23:59:59.999Z", "2026-11-25T08:15:02.123Z"}) {
      Instant instant = Instant.parse(text);
      assertThat(AuditEventWriter.time(instant)).isEqualTo(AuditEventWriter.TIME.format(instant));
    }
    assertThat(AuditEventWriter.time(Instant.parse("2026-11-25T08:15:03Z"))).isEqualTo("2026-11-25T08:15:03.000Z");
  }

  @Test
  void eventIdsAreZeroPaddedAndUnique() {
    EventIds ids = new EventIds("x");
    String first = ids.next();
    assertThat(first).matches("[0-9a-f]{16}-0000000000000001");
    assertThat(ids.next()).endsWith("-0000000000000002").isNotEqualTo(first);
    assertThat(new EventIds("x").next()).isNotEqualTo(first);
  }
}
