package dev.portcullis.plugins.auditsyslog;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Duration parsing shared by validation and creation. */
final class Options {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

  private Options() {
  }

  /** {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}; null when the text is not one. */
  static Duration duration(String raw) {
    Matcher m = DURATION.matcher(raw.trim());
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      default -> Duration.ofHours(n);
    };
  }
}
