package dev.portcullis.plugins.audithttp;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Size parsing shared by validation and creation (durations: the plugin API's Durations). */
final class Options {

  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KB|MB|GB|KiB|MiB|GiB)?",
      Pattern.CASE_INSENSITIVE);

  private Options() {
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
