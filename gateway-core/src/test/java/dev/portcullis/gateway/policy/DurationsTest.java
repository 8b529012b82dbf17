package dev.portcullis.gateway.policy;

import dev.portcullis.plugin.Durations;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The plugin API's one duration syntax, shared by every plugin's options. */
class DurationsTest {

  @Test
  void aWholeNumberAndAUnit() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse(" 30s ")).isEqualTo(Duration.ofSeconds(30));
    assertThat(Durations.parse("15m")).isEqualTo(Duration.ofMinutes(15));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void anythingElseIsNoDuration() {
    for (String text : new String[] {"", "15", "1.5h", "-5m", "15 min", "2w", "1234567890s", "soon"}) {
      assertThat(Durations.parse(text)).as(text).isNull();
    }
    assertThat(Durations.parse(null)).isNull();
  }
}
