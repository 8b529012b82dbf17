package dev.portcullis.plugins.timedaccess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The window grammar and its wall-clock evaluation, around the 2026 daylight-saving jumps. Every
 * instant is written in UTC and the local time it is in the zone is worked out by hand beside it.
 */
class TimeWindowTest {

  private static boolean inside(String window, String utc) {
    return TimeWindow.parse(window).contains(Instant.parse(utc));
  }

  private static String refusal(String window) {
    try {
      TimeWindow.parse(window);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + window);
  }

  // ---- grammar

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      08:00-18:00 UTC                      | must be '<days> <HH:MM>-<HH:MM> <zone>'
      Mon-Fri 08:00-18:00                  | must be '<days> <HH:MM>-<HH:MM> <zone>'
      Mon-Fri 08:00-18:00 UTC extra        | must be '<days> <HH:MM>-<HH:MM> <zone>'
      Mon-Fri 08:00 UTC                    | must be '<days> <HH:MM>-<HH:MM> <zone>'
      Mon-Fri 08:00-12:00-18:00 UTC        | must be '<days> <HH:MM>-<HH:MM> <zone>'
      Mon-Fry 08:00-18:00 UTC              | unknown day 'Fry' (Mon, Tue, Wed, Thu, Fri, Sat, Sun)
      Monday 08:00-18:00 UTC               | unknown day 'Monday' (Mon, Tue, Wed, Thu, Fri, Sat, Sun)
      Mon,,Fri 08:00-18:00 UTC             | a day is missing in 'Mon,,Fri'
      Mon, 08:00-18:00 UTC                 | a day is missing in 'Mon,'
      Mon-Wed-Fri 08:00-18:00 UTC          | 'Mon-Wed-Fri' is not a day or a range of days such as Mon-Fri
      Mon- 08:00-18:00 UTC                 | 'Mon-' is not a day or a range of days such as Mon-Fri
      Mon-Fri 8:00-18:00 UTC               | '8:00' is not a time of day (HH:MM from 00:00 to 23:59)
      Mon-Fri 24:00-06:00 UTC              | '24:00' is not a time of day (HH:MM from 00:00 to 23:59)
      Mon-Fri 08:00-24:01 UTC              | '24:01' is not a time of day (HH:MM from 00:00 to 24:00)
      Mon-Fri 08:60-18:00 UTC              | '08:60' is not a time of day (HH:MM from 00:00 to 23:59)
      Mon-Fri 08:00-25:00 UTC              | '25:00' is not a time of day (HH:MM from 00:00 to 24:00)
      Mon-Fri 08:00-08:00 UTC              | an empty window (start and end are both 08:00; 00:00-24:00 is a whole day)
      Mon-Fri 00:00-00:00 UTC              | an empty window (start and end are both 00:00; 00:00-24:00 is a whole day)
      Mon-Fri 08:00-18:00 Europe/Copenhagn | unknown time zone 'Europe/Copenhagn'
      Mon-Fri 08:00-18:00 europe/copenhagen | unknown time zone 'europe/copenhagen' (did you mean 'Europe/Copenhagen'?)
      Mon-Fri 08:00-18:00 CEST             | unknown time zone 'CEST'
      Mon-Fri 08:00-18:00 +01:00           | '+01:00' is a fixed offset; name a region such as Europe/Copenhagen (or UTC) so that daylight saving time is followed
      Mon-Fri 08:00-18:00 UTC+01:00        | 'UTC+01:00' is a fixed offset; name a region such as Europe/Copenhagen (or UTC) so that daylight saving time is followed
      Mon-Fri 08:00-18:00 Z                | 'Z' is a fixed offset; name a region such as Europe/Copenhagen (or UTC) so that daylight saving time is followed
      """)
  void aMalformedWindowIsRefusedWithAReason(String window, String reason) {
    assertThat(refusal(window)).isEqualTo(reason);
  }

  @Test
  void regionsAndUtcAreAcceptedAndTheTextIsKeptAsWritten() {
    assertThat(TimeWindow.parse("Mon-Fri 08:00-18:00 Europe/Copenhagen").text())
        .isEqualTo("Mon-Fri 08:00-18:00 Europe/Copenhagen");
    assertThat(TimeWindow.parse("  Sat,Sun   10:00-14:00\tUTC ").text()).isEqualTo("Sat,Sun 10:00-14:00 UTC");
    assertThat(TimeWindow.parse("mon-fri 00:00-24:00 America/New_York").zone().getId()).isEqualTo("America/New_York");
    assertThat(TimeWindow.parse("Mon 09:00-10:00 Etc/UTC").zone().getId()).isEqualTo("Etc/UTC");
  }

  @Test
  void aParseErrorDoesNotHideBehindAnotherOne() {
    // days first, then times, then the zone: the first problem is reported
    assertThatThrownBy(() -> TimeWindow.parse("Xyz 99:00-18:00 Nowhere/Else"))
        .hasMessageStartingWith("unknown day 'Xyz'");
  }

  // ---- days

  @Test
  void dayListsRangesAndWrappingRanges() {
    // 2026-06-01 is a Monday; 12:00 UTC on each day of that week
    String[] week = {"2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-06", "2026-06-07"};
    assertThat(daysInside("Mon-Fri 00:00-24:00 UTC", week)).isEqualTo("Mon Tue Wed Thu Fri");
    assertThat(daysInside("Sat,Sun 10:00-14:00 UTC", week)).isEqualTo("Sat Sun");
    assertThat(daysInside("Fri-Mon 00:00-24:00 UTC", week)).isEqualTo("Mon Fri Sat Sun");
    assertThat(daysInside("Sun-Sun 00:00-24:00 UTC", week)).isEqualTo("Sun");
    assertThat(daysInside("Mon,Wed-Thu,Sat 00:00-24:00 UTC", week)).isEqualTo("Mon Wed Thu Sat");
    assertThat(daysInside("Tue-Mon 00:00-24:00 UTC", week)).isEqualTo("Mon Tue Wed Thu Fri Sat Sun");
  }

  private static String daysInside(String window, String[] week) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < week.length; i++) {
      if (inside(window, week[i] + "T12:00:00Z")) {
        out.append(out.length() == 0 ? "" : " ").append(TimeWindow.DAY_NAMES.get(i));
      }
    }
    return out.toString();
  }

  @Test
  void startIsInclusiveAndEndExclusive() {
    String window = "Mon-Fri 08:00-18:00 UTC";
    assertThat(inside(window, "2026-06-01T07:59:59Z")).isFalse();
    assertThat(inside(window, "2026-06-01T08:00:00Z")).isTrue();
    assertThat(inside(window, "2026-06-01T17:59:59.999Z")).isTrue();
    assertThat(inside(window, "2026-06-01T18:00:00Z")).isFalse();
  }

  @Test
  void twentyFourHundredIsTheEndOfTheDay() {
    String window = "Mon 20:00-24:00 UTC";
    assertThat(inside(window, "2026-06-01T23:59:59Z")).isTrue();
    assertThat(inside(window, "2026-06-02T00:00:00Z")).isFalse();
  }

  // ---- midnight crossing

  @Test
  void aWindowCrossingMidnightBelongsToTheDayItStarts() {
    String window = "Fri 22:00-06:00 UTC"; // 2026-06-05 is a Friday
    assertThat(inside(window, "2026-06-05T21:59:00Z")).isFalse();
    assertThat(inside(window, "2026-06-05T22:00:00Z")).isTrue();
    assertThat(inside(window, "2026-06-06T05:59:00Z")).isTrue();   // Saturday morning: Friday's window
    assertThat(inside(window, "2026-06-06T06:00:00Z")).isFalse();
    assertThat(inside(window, "2026-06-06T22:00:00Z")).isFalse();  // Saturday night is not listed
    assertThat(inside(window, "2026-06-05T05:00:00Z")).isFalse();  // Friday morning belongs to Thursday
  }

  @Test
  void aCrossingWindowOnASundayWrapsIntoMonday() {
    String window = "Sun 23:00-01:00 UTC"; // 2026-06-07 Sunday, 2026-06-08 Monday, 2026-06-01 the Monday before
    assertThat(inside(window, "2026-06-07T23:30:00Z")).isTrue();
    assertThat(inside(window, "2026-06-08T00:30:00Z")).isTrue();
    assertThat(inside(window, "2026-06-01T00:30:00Z")).isTrue();
    assertThat(inside(window, "2026-06-08T23:30:00Z")).isFalse();
  }

  // ---- daylight saving time, Europe (2026-03-29 01:00 UTC: CET +01 -> CEST +02; 2026-10-25 01:00 UTC: back)

  @Test
  void copenhagenOfficeHoursFollowTheWallClockAcrossSpringForward() {
    String window = "Mon-Fri 08:00-18:00 Europe/Copenhagen";
    // Friday 2026-03-27, still CET (UTC+1): 08:00 local = 07:00 UTC
    assertThat(inside(window, "2026-03-27T06:59:00Z")).isFalse(); // 07:59 CET
    assertThat(inside(window, "2026-03-27T07:00:00Z")).isTrue();  // 08:00 CET
    // Monday 2026-03-30, the day after the jump, CEST (UTC+2): 08:00 local = 06:00 UTC
    assertThat(inside(window, "2026-03-30T05:59:00Z")).isFalse(); // 07:59 CEST
    assertThat(inside(window, "2026-03-30T06:00:00Z")).isTrue();  // 08:00 CEST
    // 18:00 CEST = 16:00 UTC
    assertThat(inside(window, "2026-03-30T15:59:00Z")).isTrue();  // 17:59 CEST
    assertThat(inside(window, "2026-03-30T16:00:00Z")).isFalse(); // 18:00 CEST
  }

  @Test
  void copenhagenOfficeHoursFollowTheWallClockAcrossFallBack() {
    String window = "Mon-Fri 08:00-18:00 Europe/Copenhagen";
    // Friday 2026-10-23, still CEST (UTC+2): 08:00 local = 06:00 UTC
    assertThat(inside(window, "2026-10-23T05:59:00Z")).isFalse(); // 07:59 CEST
    assertThat(inside(window, "2026-10-23T06:00:00Z")).isTrue();  // 08:00 CEST
    // Monday 2026-10-26, the day after the jump back, CET (UTC+1): 08:00 local = 07:00 UTC
    assertThat(inside(window, "2026-10-26T06:59:00Z")).isFalse(); // 07:59 CET
    assertThat(inside(window, "2026-10-26T07:00:00Z")).isTrue();  // 08:00 CET
    assertThat(inside(window, "2026-10-26T16:59:00Z")).isTrue();  // 17:59 CET
    assertThat(inside(window, "2026-10-26T17:00:00Z")).isFalse(); // 18:00 CET
  }

  @Test
  void theRepeatedHourOfFallBackCountsAsInsideANightWindow() {
    // Saturday 2026-10-24 22:00 CEST (UTC+2) = 20:00 UTC; Sunday 06:00 CET (UTC+1) = 05:00 UTC.
    // The wall clock shows 02:00-02:59 twice (00:00-00:59 UTC in CEST, 01:00-01:59 UTC in CET).
    String window = "Sat 22:00-06:00 Europe/Berlin";
    assertThat(inside(window, "2026-10-24T19:59:00Z")).isFalse(); // 21:59 CEST
    assertThat(inside(window, "2026-10-24T20:00:00Z")).isTrue();  // 22:00 CEST
    assertThat(inside(window, "2026-10-25T00:30:00Z")).isTrue();  // 02:30 CEST, the first time
    assertThat(inside(window, "2026-10-25T01:30:00Z")).isTrue();  // 02:30 CET, the second time
    assertThat(inside(window, "2026-10-25T04:59:00Z")).isTrue();  // 05:59 CET
    assertThat(inside(window, "2026-10-25T05:00:00Z")).isFalse(); // 06:00 CET
    assertThat(inside(window, "2026-10-25T21:00:00Z")).isFalse(); // Sunday 22:00 CET: Sunday is not listed
    // so the night lasts 9 hours of real time: 20:00 UTC to 05:00 UTC
    assertThat(minutesInside(window, "2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z")).isEqualTo(9 * 60);
  }

  @Test
  void theSpringForwardNightIsAnHourShorter() {
    // Saturday 2026-03-28 22:00 CET (UTC+1) = 21:00 UTC; Sunday 06:00 CEST (UTC+2) = 04:00 UTC: 7 hours
    assertThat(minutesInside("Sat 22:00-06:00 Europe/Copenhagen", "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"))
        .isEqualTo(7 * 60);
  }

  @Test
  void aWallTimeThatIsSkippedNeverOccurs() {
    // Sunday 2026-03-29: 01:59 CET (00:59 UTC) is followed by 03:00 CEST (01:00 UTC); 02:00-02:59 never happens
    assertThat(minutesInside("Sun 02:00-02:30 Europe/Copenhagen", "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z"))
        .isZero();
    String window = "Sun 01:30-03:30 Europe/Copenhagen";
    assertThat(inside(window, "2026-03-29T00:29:00Z")).isFalse(); // 01:29 CET
    assertThat(inside(window, "2026-03-29T00:30:00Z")).isTrue();  // 01:30 CET
    assertThat(inside(window, "2026-03-29T01:00:00Z")).isTrue();  // 03:00 CEST, right after the jump
    assertThat(inside(window, "2026-03-29T01:30:00Z")).isFalse(); // 03:30 CEST
    // 01:30 CET to 03:30 CEST is one hour of real time
    assertThat(minutesInside(window, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z")).isEqualTo(60);
  }

  // ---- daylight saving time, US (2026-03-08 07:00 UTC: EST -05 -> EDT -04; 2026-11-01 06:00 UTC: back)

  @Test
  void newYorkOfficeHoursFollowTheWallClockAcrossBothJumps() {
    String window = "Mon-Fri 08:00-18:00 America/New_York";
    // Friday 2026-03-06, EST (UTC-5): 08:00 local = 13:00 UTC
    assertThat(inside(window, "2026-03-06T12:59:00Z")).isFalse(); // 07:59 EST
    assertThat(inside(window, "2026-03-06T13:00:00Z")).isTrue();  // 08:00 EST
    // Monday 2026-03-09, EDT (UTC-4): 08:00 local = 12:00 UTC
    assertThat(inside(window, "2026-03-09T11:59:00Z")).isFalse(); // 07:59 EDT
    assertThat(inside(window, "2026-03-09T12:00:00Z")).isTrue();  // 08:00 EDT
    // Friday 2026-10-30, EDT: 08:00 local = 12:00 UTC
    assertThat(inside(window, "2026-10-30T11:59:00Z")).isFalse(); // 07:59 EDT
    assertThat(inside(window, "2026-10-30T12:00:00Z")).isTrue();  // 08:00 EDT
    // Monday 2026-11-02, EST again: 08:00 local = 13:00 UTC
    assertThat(inside(window, "2026-11-02T12:59:00Z")).isFalse(); // 07:59 EST
    assertThat(inside(window, "2026-11-02T13:00:00Z")).isTrue();  // 08:00 EST
  }

  @Test
  void aWholeLocalDayInNewYorkMovesWithTheOffset() {
    String window = "Mon-Fri 00:00-24:00 America/New_York";
    // Friday 2026-03-06 ends at 24:00 EST = Saturday 05:00 UTC
    assertThat(inside(window, "2026-03-07T04:59:00Z")).isTrue();  // Fri 23:59 EST
    assertThat(inside(window, "2026-03-07T05:00:00Z")).isFalse(); // Sat 00:00 EST
    // Monday 2026-03-09 starts at 00:00 EDT = 04:00 UTC
    assertThat(inside(window, "2026-03-09T03:59:00Z")).isFalse(); // Sun 23:59 EDT
    assertThat(inside(window, "2026-03-09T04:00:00Z")).isTrue();  // Mon 00:00 EDT
    // Monday 2026-11-02 starts at 00:00 EST = 05:00 UTC
    assertThat(inside(window, "2026-11-02T04:59:00Z")).isFalse(); // Sun 23:59 EST
    assertThat(inside(window, "2026-11-02T05:00:00Z")).isTrue();  // Mon 00:00 EST
  }

  @Test
  void theRepeatedHourInNewYorkCountsAsInsideANightWindow() {
    // Saturday 2026-10-31 22:00 EDT (UTC-4) = Sunday 02:00 UTC; Sunday 06:00 EST (UTC-5) = 11:00 UTC: 9 hours,
    // 01:00-01:59 shown twice (05:00-05:59 UTC in EDT, 06:00-06:59 UTC in EST)
    String window = "Sat 22:00-06:00 America/New_York";
    assertThat(inside(window, "2026-11-01T05:30:00Z")).isTrue(); // 01:30 EDT
    assertThat(inside(window, "2026-11-01T06:30:00Z")).isTrue(); // 01:30 EST
    assertThat(minutesInside(window, "2026-10-31T12:00:00Z", "2026-11-01T18:00:00Z")).isEqualTo(9 * 60);
  }

  private static int minutesInside(String window, String fromUtc, String toUtc) {
    TimeWindow parsed = TimeWindow.parse(window);
    int minutes = 0;
    for (Instant t = Instant.parse(fromUtc); t.isBefore(Instant.parse(toUtc)); t = t.plus(Duration.ofMinutes(1))) {
      if (parsed.contains(t)) {
        minutes++;
      }
    }
    return minutes;
  }

  // ---- next change

  @Test
  void theNextOpeningAfterAWeekendThatSpringsForward() {
    // Friday 2026-03-27 18:00 CET = 17:00 UTC: closed; opens Monday 2026-03-30 08:00 CEST = 06:00 UTC
    TimeWindow window = TimeWindow.parse("Mon-Fri 08:00-18:00 Europe/Copenhagen");
    assertThat(window.nextChange(Instant.parse("2026-03-27T17:00:00Z"))).hasValue(Instant.parse("2026-03-30T06:00:00Z"));
    // inside: the next closing, 18:00 CEST = 16:00 UTC
    assertThat(window.nextChange(Instant.parse("2026-03-30T09:00:00Z"))).hasValue(Instant.parse("2026-03-30T16:00:00Z"));
  }

  @Test
  void theNextChangeCanBeTheJumpItself() {
    // 02:30-05:00 on the fall-back night: open at 02:30 CEST (00:30 UTC), closed when the clock goes back
    // to 02:00 CET at 01:00 UTC, open again at 02:30 CET (01:30 UTC)
    TimeWindow window = TimeWindow.parse("Sun 02:30-05:00 Europe/Copenhagen");
    assertThat(window.nextChange(Instant.parse("2026-10-25T00:00:00Z"))).hasValue(Instant.parse("2026-10-25T00:30:00Z"));
    assertThat(window.nextChange(Instant.parse("2026-10-25T00:30:00Z"))).hasValue(Instant.parse("2026-10-25T01:00:00Z"));
    assertThat(window.nextChange(Instant.parse("2026-10-25T01:00:00Z"))).hasValue(Instant.parse("2026-10-25T01:30:00Z"));
    // a start inside the spring-forward gap opens at the jump: 02:30 does not exist, 03:00 CEST = 01:00 UTC
    assertThat(window.nextChange(Instant.parse("2026-03-29T00:00:00Z"))).hasValue(Instant.parse("2026-03-29T01:00:00Z"));
  }

  @Test
  void aWindowOpenAroundTheClockNeverChanges() {
    assertThat(TimeWindow.parse("Mon-Sun 00:00-24:00 UTC").nextChange(Instant.parse("2026-06-01T00:00:00Z")))
        .isEqualTo(Optional.empty());
    assertThat(TimeWindow.parse("Tue-Mon 00:00-24:00 Europe/Copenhagen").nextChange(Instant.parse("2026-03-28T00:00:00Z")))
        .isEqualTo(Optional.empty());
  }
}
