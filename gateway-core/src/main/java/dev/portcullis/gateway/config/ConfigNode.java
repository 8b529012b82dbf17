package dev.portcullis.gateway.config;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A read cursor over one YAML node that knows its field path and line, so that every problem it
 * reports names both. Readers take what they understand and call {@link #finish()}, which reports
 * every key nobody asked for: an unknown key is an error, never silently ignored.
 *
 * <p>Errors are collected, not thrown, so one pass reports every problem in the file. Typed getters
 * return the default after reporting, so parsing can go on.
 */
public final class ConfigNode {

  /** Shared by all nodes of one file. */
  static final class Context {
    final String file;
    final EnvSubstitution env;
    final List<ConfigProblem> problems = new ArrayList<>();

    Context(String file, Function<String, String> env) {
      this.file = file;
      this.env = new EnvSubstitution(env);
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KiB|MiB|GiB)?", Pattern.CASE_INSENSITIVE);

  private final Context ctx;
  private final Node node;
  private final String path;
  private final Map<String, NodeTuple> entries;
  private final Set<String> used = new LinkedHashSet<>();

  ConfigNode(Context ctx, Node node, String path) {
    this.ctx = ctx;
    this.node = node;
    this.path = path;
    this.entries = new LinkedHashMap<>();
    if (node instanceof MappingNode mapping) {
      for (NodeTuple tuple : mapping.getValue()) {
        String key = tuple.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
        if (key == null) {
          report(tuple.getKeyNode(), path, "keys must be plain names");
        } else if (entries.putIfAbsent(key, tuple) != null) {
          report(tuple.getKeyNode(), join(key), "duplicate key '" + key + "'");
        }
      }
    }
  }

  public String path() {
    return path;
  }

  public int line() {
    return node.getStartMark() == null ? 0 : node.getStartMark().getLine() + 1;
  }

  public boolean isMapping() {
    return node instanceof MappingNode;
  }

  public boolean isNull() {
    return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
  }

  /** Reports a problem at this node. */
  public void error(String message) {
    report(node, path, message);
  }

  /** Reports a problem at a child of this node (at the child's line if present). */
  public void error(String key, String message) {
    NodeTuple tuple = entries.get(key);
    report(tuple == null ? node : tuple.getValueNode(), join(key), message);
  }

  public boolean has(String key) {
    return entries.containsKey(key);
  }

  /** Whether {@code key} holds a single value (not a list or a mapping). */
  public boolean isScalar(String key) {
    return entries.containsKey(key) && entries.get(key).getValueNode() instanceof ScalarNode;
  }

  /** A mapping child; null (after reporting) when absent-and-required or not a mapping. */
  public ConfigNode object(String key, boolean required) {
    NodeTuple tuple = take(key, required);
    if (tuple == null) {
      return null;
    }
    ConfigNode child = new ConfigNode(ctx, tuple.getValueNode(), join(key));
    if (!child.isMapping()) {
      child.error("must be a mapping (key: value pairs)");
      return null;
    }
    return child;
  }

  /** The items of a sequence child; empty when absent. Scalar items can be read with {@link #scalar()}. */
  public List<ConfigNode> list(String key, boolean required) {
    NodeTuple tuple = take(key, required);
    if (tuple == null) {
      return List.of();
    }
    if (!(tuple.getValueNode() instanceof SequenceNode seq)) {
      report(tuple.getValueNode(), join(key), "must be a list");
      return List.of();
    }
    List<ConfigNode> items = new ArrayList<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      items.add(new ConfigNode(ctx, seq.getValue().get(i), join(key) + "[" + i + "]"));
    }
    return items;
  }

  public List<String> stringList(String key) {
    List<String> out = new ArrayList<>();
    for (ConfigNode item : list(key, false)) {
      String v = item.scalar();
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  /** This node's own scalar value with environment references expanded; null after reporting. */
  public String scalar() {
    if (!(node instanceof ScalarNode s) || isNull()) {
      error("must be a single value");
      return null;
    }
    try {
      return ctx.env.expand(s.getValue());
    } catch (EnvSubstitution.UnsetVariableException e) {
      error(e.getMessage());
      return null;
    }
  }

  public String string(String key, String defaultValue) {
    NodeTuple tuple = take(key, false);
    if (tuple == null) {
      return defaultValue;
    }
    String value = new ConfigNode(ctx, tuple.getValueNode(), join(key)).scalar();
    return value == null ? defaultValue : value;
  }

  public String requiredString(String key) {
    NodeTuple tuple = take(key, true);
    if (tuple == null) {
      return null;
    }
    String value = new ConfigNode(ctx, tuple.getValueNode(), join(key)).scalar();
    if (value != null && value.isBlank()) {
      error(key, "must not be empty");
      return null;
    }
    return value;
  }

  public int integer(String key, int defaultValue, int min, int max) {
    String raw = string(key, null);
    if (raw == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.trim());
      if (value < min || value > max) {
        error(key, "must be between " + min + " and " + max + ", got " + value);
        return defaultValue;
      }
      return value;
    } catch (NumberFormatException e) {
      error(key, "must be a whole number, got '" + raw + "'");
      return defaultValue;
    }
  }

  public boolean bool(String key, boolean defaultValue) {
    String raw = string(key, null);
    if (raw == null) {
      return defaultValue;
    }
    switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> {
        return true;
      }
      case "false", "no", "off" -> {
        return false;
      }
      default -> {
        error(key, "must be true or false, got '" + raw + "'");
        return defaultValue;
      }
    }
  }

  /** A duration such as {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, {@code 1d}. */
  public Duration duration(String key, Duration defaultValue) {
    String raw = string(key, null);
    if (raw == null) {
      return defaultValue;
    }
    Duration parsed = parseDuration(raw.trim());
    if (parsed == null) {
      error(key, "must be a duration such as 500ms, 30s, 15m, 2h or 1d, got '" + raw + "'");
      return defaultValue;
    }
    if (parsed.compareTo(MAX_DURATION) > 0) {
      error(key, "must be at most 3650d, got '" + raw + "'");
      return defaultValue;
    }
    return parsed;
  }

  /** A byte size such as {@code 8192}, {@code 16KiB}, {@code 10MiB}, {@code 1GiB} (KB/MB/GB are powers of 1000). */
  public long size(String key, long defaultValue) {
    String raw = string(key, null);
    if (raw == null) {
      return defaultValue;
    }
    Matcher m = SIZE.matcher(raw.trim());
    if (!m.matches()) {
      error(key, "must be a size such as 8192, 64KiB, 10MiB or 1GiB, got '" + raw + "'");
      return defaultValue;
    }
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    long factor = switch (unit) {
      case "KB" -> 1000L;
      case "MB" -> 1000L * 1000;
      case "GB" -> 1000L * 1000 * 1000;
      case "KIB" -> 1024L;
      case "MIB" -> 1024L * 1024;
      case "GIB" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), factor);
    } catch (ArithmeticException | NumberFormatException e) {
      error(key, "'" + raw + "' is too large");
      return defaultValue;
    }
  }

  /** The longest duration any option takes; longer values are typos and would overflow timers. */
  static final Duration MAX_DURATION = Duration.ofDays(3650);

  static Duration parseDuration(String raw) {
    Matcher m = DURATION.matcher(raw);
    if (!m.matches() || m.group(1).length() > 12) {
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

  /** The keys of this mapping in file order (empty for other nodes). */
  public List<String> keys() {
    return List.copyOf(entries.keySet());
  }

  /**
   * The child under {@code key} as plain values — maps, lists and strings (environment references
   * expanded, nulls kept) — for binding to a plugin's record. Records the line of every value under
   * its path relative to the child in {@code lines}, so binding errors can name their line.
   */
  public Object plain(String key, Map<String, Integer> lines) {
    NodeTuple tuple = take(key, false);
    if (tuple == null) {
      return null;
    }
    return new ConfigNode(ctx, tuple.getValueNode(), join(key)).plainValue("", lines);
  }

  private Object plainValue(String relative, Map<String, Integer> lines) {
    lines.put(relative, line());
    if (node instanceof MappingNode) {
      Map<String, Object> out = new LinkedHashMap<>();
      for (String key : entries.keySet()) {
        used.add(key);
        String childPath = relative.isEmpty() ? key : relative + "." + key;
        out.put(key, new ConfigNode(ctx, entries.get(key).getValueNode(), join(key)).plainValue(childPath, lines));
      }
      return out;
    }
    if (node instanceof SequenceNode seq) {
      List<Object> out = new ArrayList<>();
      for (int i = 0; i < seq.getValue().size(); i++) {
        out.add(new ConfigNode(ctx, seq.getValue().get(i), path + "[" + i + "]")
            .plainValue(relative + "[" + i + "]", lines));
      }
      return out;
    }
    return isNull() ? null : scalar();
  }

  /** How many problems the whole file has so far (to tell whether a step added any). */
  public int problemCount() {
    return ctx.problems.size();
  }

  /** Reports a problem at an explicit line and path (for errors found after conversion to plain values). */
  public void errorAt(int line, String fieldPath, String message) {
    ctx.problems.add(new ConfigProblem(ctx.file, line, fieldPath, message));
  }

  /**
   * Reports every key present but never read. Call once the reader has taken all it understands.
   */
  public void finish() {
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      if (!used.contains(e.getKey())) {
        String expected = used.isEmpty() ? "" : "; known fields here: " + String.join(", ", used);
        report(e.getValue().getKeyNode(), join(e.getKey()), "unknown field '" + e.getKey() + "'" + expected);
      }
    }
  }

  private NodeTuple take(String key, boolean required) {
    used.add(key);
    NodeTuple tuple = entries.get(key);
    if (tuple == null) {
      if (required) {
        report(node, join(key), "is required");
      }
      return null;
    }
    if (tuple.getValueNode() instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
      if (required) {
        report(tuple.getValueNode(), join(key), "is required and must not be empty");
      }
      return null;
    }
    return tuple;
  }

  private String join(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private void report(Node at, String fieldPath, String message) {
    int line = at == null || at.getStartMark() == null ? 0 : at.getStartMark().getLine() + 1;
    ctx.problems.add(new ConfigProblem(ctx.file, line, fieldPath, message));
  }

  /** The line of a field of a plain value (see {@link #plain}), or of its nearest parent. */
  static int lineOf(Map<String, Integer> lines, String field, int fallback) {
    String f = field == null ? "" : field;
    while (true) {
      Integer line = lines.get(f);
      if (line != null) {
        return line;
      }
      int cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
      if (cut <= 0) {
        Integer root = lines.get("");
        return root == null ? fallback : root;
      }
      f = f.substring(0, cut);
    }
  }
}
