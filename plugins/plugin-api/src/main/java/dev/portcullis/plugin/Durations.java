package dev.portcullis.plugin;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations in plugin options as the gateway's own configuration writes them: a whole number and a
 * unit, {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, {@code 1d}. Each plugin checks the range
 * it accepts and words its own error.
 */
public final class Durations {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private Durations() {
  }

  /** The duration {@code text} names (surrounding blanks ignored), or null when it is not one. */
  public static Duration parse(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
