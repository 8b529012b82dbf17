package dev.portcullis.plugins.timedaccess;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One recurring weekly window in local wall-clock time: {@code <days> <HH:MM>-<HH:MM> <zone>}, e.g.
 * {@code Mon-Fri 08:00-18:00 Europe/Copenhagen}. Immutable and thread-safe.
 *
 * <p>An end before the start crosses midnight; the days named are the days the window starts.
 * {@code 24:00} as the end is the end of the day. Membership is decided on the wall clock of the
 * zone: a wall time that a daylight-saving jump skips never occurs, and a wall time that a jump
 * back repeats is inside (or outside) both times.
 */
public final class TimeWindow {

  static final String SHAPE = "must be '<days> <HH:MM>-<HH:MM> <zone>'";
  static final List<String> DAY_NAMES = List.of("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun");

  private static final Pattern TIME = Pattern.compile("(\\d{2}):(\\d{2})");
  private static final int END_OF_DAY = 24 * 60;
  /** Far enough ahead that every weekly boundary and the next daylight-saving jump are seen. */
  private static final Duration HORIZON = Duration.ofDays(9);

  private final String text;
  /** Indexed by {@code DayOfWeek.getValue() - 1}: the days a window starts on. */
  private final boolean[] days;
  /** Minutes after local midnight; start 0..1439, end 0..1440. */
  private final int start;
  private final int end;
  private final ZoneId zone;

  private TimeWindow(String text, boolean[] days, int start, int end, ZoneId zone) {
    this.text = text;
    this.days = days;
    this.start = start;
    this.end = end;
    this.zone = zone;
  }

  /**
   * Parses one window.
   *
   * @throws IllegalArgumentException with a message for people (without the window text itself)
   */
  public static TimeWindow parse(String text) {
    String[] parts = text.trim().split("\\s+");
    if (parts.length != 3) {
      throw new IllegalArgumentException(SHAPE);
    }
    boolean[] days = days(parts[0]);
    int dash = parts[1].indexOf('-');
    if (dash < 0 || parts[1].indexOf('-', dash + 1) >= 0) {
      throw new IllegalArgumentException(SHAPE);
    }
    int start = minutes(parts[1].substring(0, dash), false);
    int end = minutes(parts[1].substring(dash + 1), true);
    if (start == end) {
      throw new IllegalArgumentException("an empty window (start and end are both " + parts[1].substring(0, dash)
          + "; 00:00-24:00 is a whole day)");
    }
    return new TimeWindow(String.join(" ", parts), days, start, end, zone(parts[2]));
  }

  /** The window as written (whitespace collapsed), for messages and audit events. */
  public String text() {
    return text;
  }

  public ZoneId zone() {
    return zone;
  }

  /** Whether the wall clock of the zone at {@code instant} is inside the window. */
  public boolean contains(Instant instant) {
    LocalDateTime local = LocalDateTime.ofInstant(instant, zone);
    int day = local.getDayOfWeek().getValue() - 1;
    int second = local.toLocalTime().toSecondOfDay();
    if (start < end) {
      return days[day] && second >= start * 60 && second < end * 60;
    }
    return (days[day] && second >= start * 60) || (days[(day + 6) % 7] && second < end * 60);
  }

  /**
   * The first instant after {@code from} at which {@link #contains} gives another answer than at
   * {@code from}: the next opening when outside, the next closing when inside. Empty when the
   * answer does not change in the next nine days (a window open around the clock).
   */
  public Optional<Instant> nextChange(Instant from) {
    boolean now = contains(from);
    ZoneRules rules = zone.getRules();
    Instant limit = from.plus(HORIZON);
    // the answer is constant between consecutive candidates: wall-clock boundaries and the zone's jumps
    TreeSet<Instant> candidates = new TreeSet<>();
    LocalDate today = LocalDate.ofInstant(from, zone);
    for (LocalDate date = today.minusDays(1); !date.isAfter(today.plusDays(9)); date = date.plusDays(1)) {
      boundary(date, start, rules, candidates);
      boundary(date, end, rules, candidates);
    }
    for (ZoneOffsetTransition jump = rules.nextTransition(from); jump != null && jump.getInstant().isBefore(limit);
        jump = rules.nextTransition(jump.getInstant())) {
      candidates.add(jump.getInstant());
    }
    for (Instant candidate : candidates.tailSet(from, false)) {
      if (candidate.isAfter(limit)) {
        break;
      }
      if (contains(candidate) != now) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return text;
  }

  /** Every instant the wall time {@code minutes} after midnight of {@code date} occurs (none, one or two). */
  private static void boundary(LocalDate date, int minutes, ZoneRules rules, TreeSet<Instant> out) {
    LocalDateTime wall = minutes == END_OF_DAY ? date.plusDays(1).atStartOfDay()
        : date.atTime(minutes / 60, minutes % 60);
    List<ZoneOffset> offsets = rules.getValidOffsets(wall);
    if (offsets.isEmpty()) {
      out.add(rules.getTransition(wall).getInstant()); // skipped: the first later wall time is the jump
    }
    for (ZoneOffset offset : offsets) {
      out.add(wall.toInstant(offset));
    }
  }

  /** {@code Mon-Fri}, {@code Sat,Sun}, {@code Fri-Mon} (wrapping), {@code Mon,Wed-Fri}. */
  private static boolean[] days(String spec) {
    boolean[] days = new boolean[7];
    for (String item : spec.split(",", -1)) {
      if (item.isEmpty()) {
        throw new IllegalArgumentException("a day is missing in '" + spec + "'");
      }
      String[] range = item.split("-", -1);
      if (range.length > 2 || range[0].isEmpty() || range.length == 2 && range[1].isEmpty()) {
        throw new IllegalArgumentException("'" + item + "' is not a day or a range of days such as Mon-Fri");
      }
      int first = day(range[0]);
      int last = range.length == 2 ? day(range[1]) : first;
      for (int d = first; ; d = (d + 1) % 7) {
        days[d] = true;
        if (d == last) {
          break;
        }
      }
    }
    return days;
  }

  private static int day(String name) {
    for (int i = 0; i < DAY_NAMES.size(); i++) {
      if (DAY_NAMES.get(i).equalsIgnoreCase(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("unknown day '" + name + "' (" + String.join(", ", DAY_NAMES) + ")");
  }

  /** {@code HH:MM} from 00:00 to 23:59, and 24:00 as an end. */
  private static int minutes(String time, boolean isEnd) {
    Matcher m = TIME.matcher(time);
    if (m.matches()) {
      int hours = Integer.parseInt(m.group(1));
      int minutes = Integer.parseInt(m.group(2));
      if (hours < 24 && minutes < 60) {
        return hours * 60 + minutes;
      }
      if (isEnd && hours == 24 && minutes == 0) {
        return END_OF_DAY;
      }
    }
    throw new IllegalArgumentException("'" + time + "' is not a time of day (HH:MM from 00:00 to "
        + (isEnd ? "24:00" : "23:59") + ")");
  }

  /** A region id such as Europe/Copenhagen, or UTC; a fixed offset would not follow daylight saving time. */
  private static ZoneId zone(String id) {
    if (ZoneId.getAvailableZoneIds().contains(id)) {
      return ZoneId.of(id);
    }
    boolean fixed;
    try {
      fixed = ZoneId.of(id).getRules().isFixedOffset();
    } catch (DateTimeException e) {
      fixed = false;
    }
    if (fixed) {
      throw new IllegalArgumentException("'" + id + "' is a fixed offset; name a region such as Europe/Copenhagen "
          + "(or UTC) so that daylight saving time is followed");
    }
    String suggestion = ZoneId.getAvailableZoneIds().stream().filter(known -> known.equalsIgnoreCase(id))
        .findFirst().map(known -> " (did you mean '" + known + "'?)").orElse("");
    throw new IllegalArgumentException("unknown time zone '" + id + "'" + suggestion);
  }
}
