package dev.portcullis.gateway.config;

import dev.portcullis.gateway.net.HostPattern;
import dev.portcullis.gateway.net.PathNormalizer;
import dev.portcullis.gateway.policy.PluginRegistry;
import dev.portcullis.gateway.policy.PolicySpec;
import dev.portcullis.gateway.policy.RoutePolicySetup;
import dev.portcullis.gateway.tls.TlsPolicy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.net.Cidr;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads and validates {@code gateway.yaml}. The YAML is composed into nodes only (no object
 * construction, so no YAML gadget can run), each field is checked, and every problem is reported
 * with its line and field path in one {@link InvalidConfigException}. A config that loads is complete.
 */
public final class ConfigLoader {

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");
  private static final Pattern ROUTE_ID = Pattern.compile("[a-z0-9][a-z0-9-_]{0,62}");
  private static final Pattern NETWORK_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,62}");

  private ConfigLoader() {
  }

  /** Loads with the plugins found on the class path. */
  public static GatewayConfig load(Path file, Function<String, String> env) throws InvalidConfigException {
    return load(file, env, PluginRegistry.classpath());
  }

  public static GatewayConfig load(Path file, Function<String, String> env, PluginRegistry plugins)
      throws InvalidConfigException {
    return load(file, env, plugins, Map.of());
  }

  /**
   * Loads with the current contents of the network sets the file declares {@code managed} (kept in
   * the IAM store, changed through the admin API); a managed set missing from {@code managed} is empty.
   */
  public static GatewayConfig load(Path file, Function<String, String> env, PluginRegistry plugins,
      Map<String, List<Cidr>> managed) throws InvalidConfigException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new InvalidConfigException(List.of(new ConfigProblem(file.toString(), 0, "",
          "cannot read configuration file: " + e)));
    }
    Path abs = file.toAbsolutePath().normalize();
    return parse(text, file.toString(), abs.getParent(), abs, env, plugins, managed);
  }

  public static GatewayConfig parse(String text, String fileName, Path baseDir, Path source,
      Function<String, String> env) throws InvalidConfigException {
    return parse(text, fileName, baseDir, source, env, PluginRegistry.classpath());
  }

  public static GatewayConfig parse(String text, String fileName, Path baseDir, Path source,
      Function<String, String> env, PluginRegistry plugins) throws InvalidConfigException {
    return parse(text, fileName, baseDir, source, env, plugins, Map.of());
  }

  public static GatewayConfig parse(String text, String fileName, Path baseDir, Path source,
      Function<String, String> env, PluginRegistry plugins, Map<String, List<Cidr>> managed)
      throws InvalidConfigException {
    ConfigNode.Context ctx = new ConfigNode.Context(fileName, env);
    Node rootNode;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(20);
      options.setCodePointLimit(4 * 1024 * 1024);
      rootNode = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark();
      throw new InvalidConfigException(List.of(new ConfigProblem(fileName,
          mark == null ? 0 : mark.getLine() + 1, "", "not valid YAML: " + e.getProblem())));
    } catch (YAMLException e) {
      throw new InvalidConfigException(List.of(new ConfigProblem(fileName, 0, "", "not valid YAML: " + e.getMessage())));
    }
    if (rootNode == null) {
      throw new InvalidConfigException(List.of(new ConfigProblem(fileName, 0, "", "the file is empty")));
    }
    ConfigNode root = new ConfigNode(ctx, rootNode, "");
    if (!root.isMapping()) {
      root.error("the top level must be a mapping (key: value pairs)");
      throw new InvalidConfigException(ctx.problems);
    }
    GatewayConfig config = new Parser(baseDir, source, plugins, managed).gateway(root);
    if (!ctx.problems.isEmpty()) {
      throw new InvalidConfigException(ctx.problems);
    }
    return config;
  }

  private static final class Parser {
    private final Path baseDir;
    private final Path source;
    private final PluginRegistry plugins;
    private Map<String, List<Cidr>> networks = Map.of();
    private final Map<String, List<Cidr>> managedValues;
    private final java.util.Set<String> managed = new java.util.TreeSet<>();
    private AuditConfigParser auditParser;
    private AuditConfig.Durability auditDefault;

    Parser(Path baseDir, Path source, PluginRegistry plugins, Map<String, List<Cidr>> managedValues) {
      this.baseDir = baseDir;
      this.source = source;
      this.plugins = plugins;
      this.managedValues = managedValues;
    }

    GatewayConfig gateway(ConfigNode root) {
      Path dataDir = path(root.string("dataDir", "data"));
      int eventLoops = root.integer("eventLoops", Runtime.getRuntime().availableProcessors(), 1, 256);
      GatewayConfig.Listeners listeners = listeners(root.object("listeners", false), root);
      GatewayConfig.Limits limits = limits(root.object("limits", false));
      List<Cidr> trusted = cidrs(root, "trustedProxies");
      GatewayConfig.Normalization normalization = normalization(root.object("normalization", false));
      GatewayConfig.Reload reload = reload(root.object("reload", false));
      networks = networks(root.object("networks", false));
      List<GatewayConfig.EmbeddedBackend> embedded = new ArrayList<>();
      for (ConfigNode item : root.list("embeddedBackends", false)) {
        embedded.add(embeddedBackend(item));
      }
      IdentityConfigParser identityParser = new IdentityConfigParser(this::path);
      IdentityConfig identity = identityParser.identity(root.object("identity", false), dataDir);
      ClusterConfig cluster = identityParser.cluster(root.object("cluster", false));
      if (identity != null && identity.mfa().secretKey() == null
          && (cluster.mode() == ClusterConfig.Mode.CLIENT || cluster.members().size() > 1)) {
        // each instance would generate a key of its own and not open the others' enrolments
        root.error("identity", "several instances share the IAM store: set identity.mfa.secretKey (or "
            + "secretKeyFile) to the same key on each, e.g. from 'openssl rand -base64 32'");
      }
      auditParser = new AuditConfigParser(this::path, plugins);
      AuditConfig audit = auditParser.audit(root.object("audit", false), dataDir);
      auditDefault = audit.durability();
      List<GatewayConfig.Route> routes = new ArrayList<>();
      Set<String> ids = new HashSet<>();
      List<ConfigNode> routeNodes = root.list("routes", true);
      for (ConfigNode item : routeNodes) {
        GatewayConfig.Route route = route(item, limits, identity != null, identityParser);
        if (route != null && !ids.add(route.id())) {
          item.error("id", "duplicate route id '" + route.id() + "'");
        }
        routes.add(route);
      }
      if (!managed.isEmpty() && identity == null) {
        root.error("networks", "managed network sets (" + String.join(", ", managed) + ") live in the IAM store: "
            + "they need an identity: section");
      }
      root.finish();
      return new GatewayConfig(source, dataDir, eventLoops, listeners, limits, trusted, normalization, reload, networks,
          List.copyOf(embedded), identity, cluster, audit, routes, java.util.Set.copyOf(managed));
    }

    private GatewayConfig.Listeners listeners(ConfigNode node, ConfigNode root) {
      ConfigNode pub = node == null ? null : node.object("public", false);
      ConfigNode redirect = node == null ? null : node.object("redirect", false);
      ConfigNode admin = node == null ? null : node.object("admin", false);
      GatewayConfig.PublicListener publicListener;
      if (pub == null) {
        publicListener = new GatewayConfig.PublicListener("127.0.0.1", 8443,
            new GatewayConfig.Tls(null, null, Duration.ofSeconds(10), TlsPolicy.Engine.AUTO),
            new GatewayConfig.Hsts(Duration.ofDays(365), true, false), true);
      } else {
        ConfigNode hsts = pub.object("hsts", false);
        publicListener = new GatewayConfig.PublicListener(
            pub.string("host", "127.0.0.1"), pub.integer("port", 8443, 0, 65535),
            tls(pub.object("tls", false)),
            new GatewayConfig.Hsts(
                hsts == null ? Duration.ofDays(365) : hsts.duration("maxAge", Duration.ofDays(365)),
                hsts == null || hsts.bool("includeSubDomains", true),
                hsts != null && hsts.bool("preload", false)),
            pub.bool("http2", true));
        if (hsts != null) {
          hsts.finish();
        }
        pub.finish();
      }
      GatewayConfig.RedirectListener redirectListener = null;
      if (redirect != null) {
        redirectListener = new GatewayConfig.RedirectListener(redirect.string("host", "127.0.0.1"),
            redirect.integer("port", 8080, 0, 65535),
            redirect.integer("httpsPort", publicListener.port(), 0, 65535));
        redirect.finish();
      }
      GatewayConfig.AdminListener adminListener;
      if (admin == null) {
        adminListener = new GatewayConfig.AdminListener("127.0.0.1", 9443, publicListener.tls());
      } else {
        adminListener = new GatewayConfig.AdminListener(admin.string("host", "127.0.0.1"),
            admin.integer("port", 9443, 0, 65535),
            admin.has("tls") ? tls(admin.object("tls", false)) : publicListener.tls());
        admin.finish();
      }
      if (node != null) {
        node.finish();
      }
      return new GatewayConfig.Listeners(publicListener, redirectListener, adminListener);
    }

    private GatewayConfig.Tls tls(ConfigNode node) {
      if (node == null) {
        return new GatewayConfig.Tls(null, null, Duration.ofSeconds(10), TlsPolicy.Engine.AUTO);
      }
      String cert = node.string("cert", null);
      String key = node.string("key", null);
      Duration interval = node.duration("reloadInterval", Duration.ofSeconds(10));
      String engineName = node.string("engine", "auto");
      TlsPolicy.Engine engine = TlsPolicy.Engine.AUTO;
      switch (engineName) {
        case "auto" -> engine = TlsPolicy.Engine.AUTO;
        case "openssl" -> engine = TlsPolicy.Engine.OPENSSL;
        case "jdk" -> engine = TlsPolicy.Engine.JDK;
        default -> node.error("engine", "must be auto, openssl or jdk, got '" + engineName + "'");
      }
      if ((cert == null) != (key == null)) {
        node.error(cert == null ? "cert" : "key", "cert and key go together: give both or neither "
            + "(neither generates a self-signed certificate)");
      }
      Path certPath = existingFile(node, "cert", cert);
      Path keyPath = existingFile(node, "key", key);
      if (interval.isZero() || interval.isNegative()) {
        node.error("reloadInterval", "must be positive");
      }
      node.finish();
      return new GatewayConfig.Tls(certPath, keyPath, interval, engine);
    }

    private Path existingFile(ConfigNode node, String key, String value) {
      if (value == null) {
        return null;
      }
      Path p = path(value);
      if (!Files.isRegularFile(p)) {
        node.error(key, "file " + p + " does not exist or is not a regular file");
      } else if (!Files.isReadable(p)) {
        node.error(key, "file " + p + " is not readable");
      }
      return p;
    }

    private GatewayConfig.Limits limits(ConfigNode node) {
      if (node == null) {
        return new GatewayConfig.Limits(8192, 16384, 10L * 1024 * 1024, Duration.ofSeconds(60), 10_000,
            Duration.ofSeconds(30));
      }
      GatewayConfig.Limits limits = new GatewayConfig.Limits(
          node.integer("maxRequestLine", 8192, 256, 1 << 20),
          (int) clamp(node, "maxHeaderSize", node.size("maxHeaderSize", 16384), 1024, 1 << 20),
          clamp(node, "maxBodySize", node.size("maxBodySize", 10L * 1024 * 1024), 0, Long.MAX_VALUE),
          node.duration("idleTimeout", Duration.ofSeconds(60)),
          node.integer("maxConnections", 10_000, 1, 1_000_000),
          node.duration("drainTimeout", Duration.ofSeconds(30)));
      if (limits.idleTimeout().toSeconds() < 1) {
        node.error("idleTimeout", "must be at least 1s");
      }
      node.finish();
      return limits;
    }

    private static long clamp(ConfigNode node, String key, long value, long min, long max) {
      if (value < min || value > max) {
        node.error(key, "must be between " + min + " and " + max + " bytes, got " + value);
        return Math.max(min, Math.min(max, value));
      }
      return value;
    }

    private List<Cidr> cidrs(ConfigNode node, String key) {
      List<Cidr> out = new ArrayList<>();
      for (ConfigNode item : node.list(key, false)) {
        String value = item.scalar();
        if (value == null) {
          continue;
        }
        try {
          Cidr cidr = Cidr.parse(value);
          if (key.equals("trustedProxies") && cidr.toString().endsWith("/0")) {
            item.error("'" + value + "' trusts every address, so any client could choose its own address; "
                + "list your proxies' networks");
          }
          out.add(cidr);
        } catch (IllegalArgumentException e) {
          item.error(e.getMessage());
        }
      }
      return List.copyOf(out);
    }

    private Map<String, List<Cidr>> networks(ConfigNode node) {
      if (node == null) {
        return Map.of();
      }
      Map<String, List<Cidr>> out = new TreeMap<>();
      for (String name : node.keys()) {
        if (!NETWORK_NAME.matcher(name).matches()) {
          node.error(name, "'" + name + "' is not a valid network name (letters, digits, '-', '_')");
        }
        if (node.isScalar(name)) {
          String value = node.string(name, null);
          if (!"managed".equals(value)) {
            node.error(name, "must be a list of CIDRs, or 'managed' (its CIDRs are then set through the admin API)");
          }
          managed.add(name);
          out.put(name, managedValues.getOrDefault(name, List.of()));
          continue;
        }
        out.put(name, cidrs(node, name));
        if (out.get(name).isEmpty()) {
          node.error(name, "a network set needs at least one CIDR (or 'managed')");
        }
      }
      node.finish();
      return Map.copyOf(out);
    }

    private List<PolicySpec> policies(ConfigNode route, String routeId) {
      List<PolicySpec> specs = new ArrayList<>();
      RoutePolicySetup setup = new RoutePolicySetup(routeId == null ? "" : routeId, networks);
      for (ConfigNode entry : route.list("policies", false)) {
        PolicySpec spec = policy(entry, setup);
        if (spec != null) {
          specs.add(spec);
        }
      }
      return List.copyOf(specs);
    }

    private PolicySpec policy(ConfigNode entry, RoutePolicySetup setup) {
      if (!entry.isMapping()) {
        entry.error("a policy entry is a mapping: { <policy-id>: { options }, mode: enforce|shadow }");
        return null;
      }
      String mode = entry.string("mode", "enforce");
      if (!mode.equals("enforce") && !mode.equals("shadow")) {
        entry.error("mode", "must be 'enforce' or 'shadow', got '" + mode + "'");
      }
      List<String> ids = entry.keys().stream().filter(k -> !k.equals("mode")).toList();
      if (ids.size() != 1) {
        entry.error("one policy per entry: write { <policy-id>: { options } }"
            + (ids.isEmpty() ? "" : "; found " + String.join(", ", ids)));
        entry.keys().forEach(k -> entry.plain(k, new HashMap<>()));
        return null;
      }
      String id = ids.get(0);
      Map<String, Integer> lines = new HashMap<>();
      Object options = entry.plain(id, lines);
      PolicyFactory<?> factory = plugins.factory(id);
      if (factory == null) {
        entry.error(id, "unknown policy '" + id + "' on route '" + setup.routeId() + "'; installed policies: "
            + (plugins.ids().isEmpty() ? "none" : String.join(", ", plugins.ids())));
        entry.finish();
        return null;
      }
      Record config = PluginOptions.bind(entry, id, options, lines, factory.configType(), "policy '" + id + "'",
          (bound, errors) -> PolicySpec.validate(factory, bound, setup, errors));
      return config == null ? null : new PolicySpec(id, factory, config, mode.equals("shadow"), setup);
    }


    private GatewayConfig.Normalization normalization(ConfigNode node) {
      if (node == null) {
        return new GatewayConfig.Normalization(true);
      }
      String slashes = node.string("duplicateSlashes", "merge");
      if (!slashes.equals("merge") && !slashes.equals("reject")) {
        node.error("duplicateSlashes", "must be 'merge' or 'reject', got '" + slashes + "'");
      }
      node.finish();
      return new GatewayConfig.Normalization(!slashes.equals("reject"));
    }

    private GatewayConfig.Reload reload(ConfigNode node) {
      if (node == null) {
        return new GatewayConfig.Reload(true, Duration.ofSeconds(1));
      }
      GatewayConfig.Reload reload = new GatewayConfig.Reload(node.bool("watch", true),
          node.duration("interval", Duration.ofSeconds(1)));
      if (reload.interval().toMillis() < 50) {
        node.error("interval", "must be at least 50ms");
      }
      node.finish();
      return reload;
    }

    private GatewayConfig.EmbeddedBackend embeddedBackend(ConfigNode node) {
      if (!node.isMapping()) {
        node.error("must be a mapping with verticle, host and port");
        return null;
      }
      Map<String, String> options = new java.util.LinkedHashMap<>();
      ConfigNode optionsNode = node.object("options", false);
      if (optionsNode != null) {
        for (String key : optionsNode.keys()) {
          options.put(key, optionsNode.string(key, ""));
        }
        optionsNode.finish();
      }
      GatewayConfig.EmbeddedBackend backend = new GatewayConfig.EmbeddedBackend(
          node.requiredString("verticle"), node.string("host", "127.0.0.1"),
          node.integer("port", 0, 0, 65535), Map.copyOf(options));
      node.finish();
      return backend;
    }

    private GatewayConfig.Route route(ConfigNode node, GatewayConfig.Limits limits, boolean identityEnabled,
        IdentityConfigParser identityParser) {
      if (!node.isMapping()) {
        node.error("a route must be a mapping with id, match and upstream");
        return null;
      }
      String id = node.requiredString("id");
      if (id != null && !ROUTE_ID.matcher(id).matches()) {
        node.error("id", "'" + id + "' is not a valid route id (lower-case letters, digits, '-' and '_', "
            + "starting with a letter or digit, at most 63 characters)");
      }
      GatewayConfig.Match match = match(node.object("match", true));
      GatewayConfig.Upstream upstream = upstream(node.object("upstream", true));
      String replacePrefix = rewrite(node, match);
      boolean preserveHost = node.bool("preserveHost", false);
      long maxBody = node.size("maxBodySize", limits.maxBodySize());
      boolean isPublic = node.bool("public", false);
      boolean hasPolicies = node.has("policies") && !node.list("policies", false).isEmpty();
      List<PolicySpec> policies = policies(node, id);
      Duration policyTimeout = positive(node, "policyTimeout", node.duration("policyTimeout", Duration.ofSeconds(2)));
      GatewayConfig.Authentication authentication = authentication(node, identityEnabled, isPublic);
      GatewayConfig.AssertionSpec assertion = identityParser.assertionSpec(node.object("assertion", false), id);
      if (assertion != null && !identityEnabled) {
        node.error("assertion", "an identity assertion needs the identity: section");
      }
      AuditConfig.Durability auditDurability = auditParser.routeDurability(node.object("audit", false));
      if (auditDurability == AuditConfig.Durability.BATCH && auditDefault == AuditConfig.Durability.SYNC) {
        node.error("audit", "a route can only make audit stricter: 'durability: batch' is weaker than the "
            + "global 'audit.durability: sync'");
      }
      if (auditDurability == null) {
        auditDurability = auditDefault;
      }
      if (!hasPolicies && !isPublic && authentication != GatewayConfig.Authentication.REQUIRED) {
        node.error("a route without policies lets everyone through: add policies, require a login "
            + "('authentication: required'), or say 'public: true' to make that explicit");
      }
      if (hasPolicies && isPublic) {
        node.error("public", "'public: true' is only for routes without policies; remove it or the policies");
      }
      node.finish();
      return new GatewayConfig.Route(id, match, upstream, replacePrefix, preserveHost, maxBody, isPublic,
          policies, policyTimeout, authentication, assertion, auditDurability);
    }

    /** Required by default once identities exist (fail closed); public routes never ask for one. */
    private static GatewayConfig.Authentication authentication(ConfigNode node, boolean identityEnabled,
        boolean isPublic) {
      String raw = node.string("authentication", null);
      if (raw == null) {
        return identityEnabled && !isPublic ? GatewayConfig.Authentication.REQUIRED
            : GatewayConfig.Authentication.OPTIONAL;
      }
      switch (raw.trim().toLowerCase(Locale.ROOT)) {
        case "required" -> {
          if (!identityEnabled) {
            node.error("authentication", "'required' needs the identity: section (there is no one to log in)");
          } else if (isPublic) {
            node.error("authentication", "a public route cannot require a login; remove one of the two");
          }
          return GatewayConfig.Authentication.REQUIRED;
        }
        case "optional" -> {
          return GatewayConfig.Authentication.OPTIONAL;
        }
        default -> {
          node.error("authentication", "must be 'required' or 'optional', got '" + raw + "'");
          return GatewayConfig.Authentication.REQUIRED;
        }
      }
    }

    private static String rewrite(ConfigNode node, GatewayConfig.Match match) {
      ConfigNode rewrite = node.object("rewrite", false);
      if (rewrite == null) {
        return null;
      }
      boolean strip = rewrite.bool("stripPrefix", false);
      String replace = rewrite.string("replacePrefix", null);
      if (strip && replace != null) {
        rewrite.error("give either stripPrefix or replacePrefix, not both");
      }
      if (replace != null && !replace.startsWith("/")) {
        rewrite.error("replacePrefix", "must start with '/'");
      } else if (replace != null) {
        requireCanonical(rewrite, "replacePrefix", replace);
      }
      if ((strip || replace != null) && (match == null || match.pathPrefix() == null)) {
        rewrite.error("rewriting the prefix needs match.pathPrefix");
      }
      rewrite.finish();
      return strip ? "/" : replace;
    }

    private GatewayConfig.Match match(ConfigNode node) {
      if (node == null) {
        return null;
      }
      HostPattern host = null;
      String hostText = node.string("host", null);
      if (hostText != null) {
        try {
          host = HostPattern.parse(hostText);
        } catch (IllegalArgumentException e) {
          node.error("host", e.getMessage());
        }
      }
      String prefix = node.string("pathPrefix", null);
      if (prefix != null && !prefix.startsWith("/")) {
        node.error("pathPrefix", "must start with '/'");
      } else if (prefix != null) {
        requireCanonical(node, "pathPrefix", prefix);
      }
      Pattern regex = null;
      String regexText = node.string("pathRegex", null);
      if (regexText != null) {
        try {
          regex = Pattern.compile(regexText);
        } catch (PatternSyntaxException e) {
          node.error("pathRegex", "is not a valid regular expression: " + e.getDescription());
        }
      }
      if (prefix != null && regexText != null) {
        node.error("give either pathPrefix or pathRegex, not both");
      }
      Set<String> methods = new LinkedHashSet<>();
      for (ConfigNode item : node.list("methods", false)) {
        String m = item.scalar();
        if (m == null) {
          continue;
        }
        String upper = m.trim().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(upper)) {
          item.error("'" + m + "' is not an HTTP method (one of " + String.join(", ", METHODS) + ")");
        } else {
          methods.add(upper);
        }
      }
      node.finish();
      return new GatewayConfig.Match(host, prefix == null && regex == null ? "/" : prefix, regex,
          Set.copyOf(methods));
    }

    private GatewayConfig.Upstream upstream(ConfigNode node) {
      if (node == null) {
        return null;
      }
      List<URI> targets = new ArrayList<>();
      List<ConfigNode> items = node.list("targets", true);
      if (items.isEmpty() && node.has("targets")) {
        node.error("targets", "needs at least one target");
      }
      for (ConfigNode item : items) {
        String value = item.scalar();
        if (value != null) {
          URI uri = target(item, value);
          if (uri != null) {
            targets.add(uri);
          }
        }
      }
      ConfigNode t = node.object("timeouts", false);
      GatewayConfig.Timeouts timeouts = new GatewayConfig.Timeouts(
          t == null ? Duration.ofSeconds(5) : positive(t, "connect", t.duration("connect", Duration.ofSeconds(5))),
          t == null ? Duration.ofSeconds(30)
              : positive(t, "responseHeader", t.duration("responseHeader", Duration.ofSeconds(30))),
          t == null ? Duration.ofSeconds(60) : positive(t, "idle", t.duration("idle", Duration.ofSeconds(60))));
      if (t != null) {
        t.finish();
      }
      ConfigNode e = node.object("ejection", false);
      GatewayConfig.Ejection ejection = new GatewayConfig.Ejection(
          e == null ? 5 : e.integer("consecutiveFailures", 5, 1, 1000),
          e == null ? Duration.ofSeconds(30) : positive(e, "duration", e.duration("duration", Duration.ofSeconds(30))));
      if (e != null) {
        e.finish();
      }
      ConfigNode b = node.object("circuitBreaker", false);
      GatewayConfig.Breaker breaker = new GatewayConfig.Breaker(
          b == null ? 50 : b.integer("failureRateThreshold", 50, 1, 100),
          b == null ? 20 : b.integer("minimumCalls", 20, 1, 100_000),
          b == null ? 50 : b.integer("slidingWindowSize", 50, 1, 100_000),
          b == null ? Duration.ofSeconds(30) : positive(b, "openDuration", b.duration("openDuration", Duration.ofSeconds(30))));
      if (b != null) {
        b.finish();
      }
      ConfigNode tlsNode = node.object("tls", false);
      GatewayConfig.UpstreamTls tls = new GatewayConfig.UpstreamTls(true, null);
      if (tlsNode != null) {
        String ca = tlsNode.string("caFile", null);
        tls = new GatewayConfig.UpstreamTls(tlsNode.bool("verify", true), existingFile(tlsNode, "caFile", ca));
        tlsNode.finish();
      }
      int maxConnections = node.integer("maxConnections", 64, 1, 10_000);
      node.finish();
      return new GatewayConfig.Upstream(List.copyOf(targets), timeouts, ejection, breaker, tls, maxConnections);
    }

    /**
     * A prefix is compared with normalised paths, so it must be normalised itself: one written
     * otherwise ({@code /%7Eadmin}, {@code /a//b}) would silently never match.
     */
    private static void requireCanonical(ConfigNode node, String key, String path) {
      try {
        String canonical = new PathNormalizer(true).normalize(path);
        if (!canonical.equals(path)) {
          node.error(key, "'" + path + "' is not in canonical form; write '" + canonical + "'");
        }
      } catch (PathNormalizer.RejectedPathException e) {
        node.error(key, "'" + path + "' is not a valid path: " + e.getMessage());
      }
    }

    private static Duration positive(ConfigNode node, String key, Duration value) {
      if (value.isZero() || value.isNegative()) {
        node.error(key, "must be positive");
      }
      return value;
    }

    private static URI target(ConfigNode item, String rawValue) {
      // never repeat credentials (possibly from ${VAR}) in a message that is logged and shown on /readyz
      String value = rawValue.replaceAll("(?<=://)[^/@]*@", "***@");
      if (!value.equals(rawValue)) {
        item.error("'" + value + "' must not carry user:password; upstream credentials do not belong in a URL");
        return null;
      }
      try {
        URI uri = new URI(value.trim());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
          item.error("'" + value + "' must start with http:// or https://");
          return null;
        }
        if (uri.getHost() == null) {
          item.error("'" + value + "' has no host");
          return null;
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")
            || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getUserInfo() != null) {
          item.error("'" + value + "' must be scheme://host[:port] only (use the route's rewrite for paths)");
          return null;
        }
        return uri;
      } catch (URISyntaxException e) {
        item.error("'" + value + "' is not a valid URL: " + e.getReason());
        return null;
      }
    }

    private Path path(String value) {
      Path p = Path.of(value);
      return p.isAbsolute() ? p.normalize() : baseDir.resolve(p).normalize();
    }
  }
}
