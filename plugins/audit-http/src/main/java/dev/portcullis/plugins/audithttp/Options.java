package dev.portcullis.plugins.audithttp;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing shared by validation and creation: durations, sizes. */
final class Options {

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KB|MB|GB|KiB|MiB|GiB)?",
      Pattern.CASE_INSENSITIVE);

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

  /** {@code 8192}, {@code 64KiB}, {@code 4MiB}, {@code 1MB}; -1 when the text is not one. */
  static long size(String raw) {
    Matcher m = SIZE.matcher(raw.trim());
    if (!m.matches()) {
      return -1;
    }
    long factor = switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
      case "KB" -> 1000L;
      case "MB" -> 1000L * 1000;
      case "GB" -> 1000L * 1000 * 1000;
      case "KIB" -> 1024L;
      case "MIB" -> 1024L * 1024;
      case "GIB" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    return Long.parseLong(m.group(1)) * factor;
  }
}
