package dev.portcullis.plugins.tenantisolation;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** {@code tenant-isolation}: see this module's README. */
public final class TenantIsolationPolicyFactory implements PolicyFactory<TenantIsolationConfig> {

  public static final String ID = "tenant-isolation";

  static final String PLACEHOLDER = "{tenant}";
  static final int MAX_SEGMENT = 16;

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  /** An HTTP field name: an RFC 9110 token. */
  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /** Where the tenant comes from; the option each needs. */
  private enum From {
    HOST("pattern"), PATH("segment"), HEADER("header");

    final String option;

    From(String option) {
      this.option = option;
    }

    static From parse(String value) {
      for (From from : values()) {
        if (from.name().toLowerCase(Locale.ROOT).equals(value)) {
          return from;
        }
      }
      return null;
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  @Override
  public String id() {
    return ID;
  }

  @Override
  public Class<TenantIsolationConfig> configType() {
    return TenantIsolationConfig.class;
  }

  @Override
  public List<Option> options() {
    return List.of(
        new Option("from", "host, path or header", "where the request names its tenant", null),
        new Option("pattern", "host name with one {tenant} label, e.g. {tenant}.app.example",
            "with from: host (required there): where in the host name the tenant is", null),
        new Option("segment", "number, 1 to 16",
            "with from: path: which path segment holds the tenant (/t/acme/... is 2)", "1"),
        new Option("header", "header name",
            "with from: header (required there): the header a trusted proxy sets to the tenant", null));
  }

  @Override
  public void validate(TenantIsolationConfig config, PolicySetup setup, ConfigErrors errors) {
    source(config, errors);
  }

  @Override
  public Policy create(TenantIsolationConfig config, PolicySetup setup) {
    return new TenantIsolationPolicy(source(config, (field, message) -> {
      throw new IllegalStateException(field + ": " + message);
    }));
  }

  /** The source the options describe; null after reporting what is wrong with them. */
  private static TenantSource source(TenantIsolationConfig config, ConfigErrors errors) {
    if (config.from() == null) {
      errors.add("from", "is required: one of host, path, header");
      return null;
    }
    From from = From.parse(config.from());
    if (from == null) {
      errors.add("from", "must be one of host, path, header, got '" + config.from() + "'");
      return null;
    }
    boolean misplaced = misplaced("pattern", config.pattern() != null, From.HOST, from, errors)
        | misplaced("segment", config.segment() != null, From.PATH, from, errors)
        | misplaced("header", config.header() != null, From.HEADER, from, errors);
    TenantSource source = switch (from) {
      case HOST -> host(config.pattern(), errors);
      case PATH -> path(config.segment(), errors);
      case HEADER -> header(config.header(), errors);
    };
    return misplaced ? null : source;
  }

  private static boolean misplaced(String option, boolean given, From owner, From from, ConfigErrors errors) {
    if (given && from != owner) {
      errors.add(option, "only with from: " + owner);
      return true;
    }
    return false;
  }

  private static TenantSource host(String pattern, ConfigErrors errors) {
    if (pattern == null) {
      errors.add("pattern", "is required with from: host, e.g. {tenant}.app.example");
      return null;
    }
    String[] labels = pattern.toLowerCase(Locale.ROOT).split("\\.", -1);
    int at = -1;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i].equals(PLACEHOLDER) && at < 0) {
        at = i;
      } else if (labels[i].indexOf('{') >= 0 || labels[i].indexOf('}') >= 0) {
        at = -2;
        break;
      }
    }
    if (at < 0) {
      errors.add("pattern", "must contain {tenant} exactly once as a whole label, e.g. {tenant}.app.example");
      return null;
    }
    StringBuilder prefix = new StringBuilder();
    StringBuilder suffix = new StringBuilder();
    boolean valid = true;
    for (int i = 0; i < labels.length; i++) {
      if (i == at) {
        continue;
      }
      if (!LABEL.matcher(labels[i]).matches()) {
        errors.add("pattern", "'" + labels[i] + "' in '" + pattern + "' is not a DNS label"
            + " (letters, digits and inner hyphens, at most 63 characters)");
        valid = false;
      } else if (i < at) {
        prefix.append(labels[i]).append('.');
      } else {
        suffix.append('.').append(labels[i]);
      }
    }
    return valid ? new TenantSource.Host(prefix.toString(), suffix.toString()) : null;
  }

  private static TenantSource path(Integer segment, ConfigErrors errors) {
    int index = segment == null ? 1 : segment;
    if (index < 1 || index > MAX_SEGMENT) {
      errors.add("segment", "must be from 1 to " + MAX_SEGMENT + ", got " + segment);
      return null;
    }
    return new TenantSource.Path(index);
  }

  private static TenantSource header(String name, ConfigErrors errors) {
    if (name == null) {
      errors.add("header", "is required with from: header: the name of the header a trusted proxy sets");
      return null;
    }
    if (!TOKEN.matcher(name).matches()) {
      errors.add("header", "'" + name + "' is not a header name (letters, digits and !#$%&'*+-.^_`|~)");
      return null;
    }
    if (name.equalsIgnoreCase("host")) {
      errors.add("header", "use from: host to take the tenant from the host name");
      return null;
    }
    return new TenantSource.Header(name);
  }
}
