package dev.portcullis.gateway.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/** Reads the {@code identity:} and {@code cluster:} sections (see IdentityConfig, ClusterConfig). */
final class IdentityConfigParser {

  /** Asymmetric algorithms only: an HMAC-signed bearer token would need a secret shared with us. */
  static final Set<String> JWT_ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
      "ES256", "ES384", "ES512");
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-_]{0,62}");
  private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9-]{1,64}");
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.:\\[\\]-]+:\\d{1,5}|[A-Za-z0-9.-]+");

  private final Function<String, Path> paths;

  IdentityConfigParser(Function<String, Path> paths) {
    this.paths = paths;
  }

  IdentityConfig identity(ConfigNode node, Path dataDir) {
    if (node == null) {
      return null;
    }
    IdentityConfig.Source source = source(node);
    IdentityConfig config = new IdentityConfig(store(node.object("store", false), dataDir),
        passwords(node.object("passwords", false)), login(node.object("login", false)),
        sessions(node.object("sessions", false)), issuers(node), oidc(node), assertion(node.object("assertion", false)),
        mfa(node.object("mfa", false), dataDir), access(node.object("access", false)), source, keycloak(node, source),
        lifecycle(node.object("lifecycle", false), source));
    node.finish();
    return config;
  }

  static final IdentityConfig.Lifecycle NO_LIFECYCLE = new IdentityConfig.Lifecycle(null, Duration.ofHours(1));

  private IdentityConfig.Lifecycle lifecycle(ConfigNode node, IdentityConfig.Source source) {
    if (node == null) {
      return NO_LIFECYCLE;
    }
    Duration unused = node.duration("disableUnusedAfter", null);
    if (unused != null && (unused.compareTo(Duration.ofDays(1)) < 0 || unused.compareTo(Duration.ofDays(3650)) > 0)) {
      node.error("disableUnusedAfter", "must be between 1d and 3650d");
    } else if (unused != null && source == IdentityConfig.Source.KEYCLOAK) {
      // the mirror would enable the account again at its next round: Keycloak owns account status
      node.error("disableUnusedAfter", "cannot be used with 'source: keycloak', whose realm decides which accounts "
          + "are enabled; disable unused accounts in Keycloak (they are disabled here within its refreshInterval)");
    }
    Duration interval = node.duration("checkInterval", Duration.ofHours(1));
    if (interval.compareTo(Duration.ofMinutes(1)) < 0 || interval.compareTo(Duration.ofDays(1)) > 0) {
      node.error("checkInterval", "must be between 1m and 1d");
    }
    node.finish();
    return new IdentityConfig.Lifecycle(unused, interval);
  }

  private IdentityConfig.Store store(ConfigNode node, Path dataDir) {
    String defaultUrl = "jdbc:h2:file:" + dataDir.resolve("iam").toAbsolutePath();
    if (node == null) {
      return new IdentityConfig.Store(defaultUrl, null, null, 8, false, Duration.ofSeconds(30));
    }
    String url = node.string("jdbcUrl", defaultUrl);
    if (!url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:postgresql:")) {
      node.error("jdbcUrl", "must be an H2 (jdbc:h2:…) or PostgreSQL (jdbc:postgresql:…) URL");
    }
    IdentityConfig.Store store = new IdentityConfig.Store(url, node.string("username", null),
        node.string("password", null), node.integer("maxPoolSize", 8, 2, 200), node.bool("seedDemo", false),
        node.duration("cacheTtl", Duration.ofSeconds(30)));
    node.finish();
    return store;
  }

  private IdentityConfig.Passwords passwords(ConfigNode node) {
    // OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
    if (node == null) {
      return new IdentityConfig.Passwords(19 * 1024, 2, 1, 12);
    }
    IdentityConfig.Passwords passwords = new IdentityConfig.Passwords(
        (int) Math.min(Integer.MAX_VALUE, node.size("memory", 19L * 1024 * 1024) / 1024),
        node.integer("iterations", 2, 1, 20), node.integer("parallelism", 1, 1, 16),
        node.integer("minLength", 12, 8, 128));
    if (passwords.memoryKib() < 8 * 1024 || passwords.memoryKib() > 1024 * 1024) {
      node.error("memory", "must be between 8MiB and 1GiB");
    }
    node.finish();
    return passwords;
  }

  private IdentityConfig.Login login(ConfigNode node) {
    if (node == null) {
      return new IdentityConfig.Login(5, Duration.ofSeconds(1), Duration.ofMinutes(15), Duration.ofMinutes(15));
    }
    IdentityConfig.Login login = new IdentityConfig.Login(node.integer("freeAttempts", 5, 1, 100),
        positive(node, "backoffBase", node.duration("backoffBase", Duration.ofSeconds(1))),
        positive(node, "maxLockout", node.duration("maxLockout", Duration.ofMinutes(15))),
        positive(node, "window", node.duration("window", Duration.ofMinutes(15))));
    node.finish();
    return login;
  }

  private IdentityConfig.Sessions sessions(ConfigNode node) {
    if (node == null) {
      return new IdentityConfig.Sessions(Duration.ofMinutes(30), Duration.ofHours(12));
    }
    IdentityConfig.Sessions sessions = new IdentityConfig.Sessions(
        positive(node, "idleTimeout", node.duration("idleTimeout", Duration.ofMinutes(30))),
        positive(node, "absoluteTimeout", node.duration("absoluteTimeout", Duration.ofHours(12))));
    if (sessions.idleTimeout().compareTo(sessions.absoluteTimeout()) > 0) {
      node.error("idleTimeout", "must not be longer than absoluteTimeout");
    }
    node.finish();
    return sessions;
  }

  private List<IdentityConfig.Issuer> issuers(ConfigNode parent) {
    List<IdentityConfig.Issuer> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (ConfigNode node : parent.list("issuers", false)) {
      if (!node.isMapping()) {
        node.error("an issuer must be a mapping with id, issuer and jwksUri or discovery");
        continue;
      }
      String id = id(node, ids);
      String issuer = node.requiredString("issuer");
      String jwks = node.string("jwksUri", null);
      boolean discovery = node.bool("discovery", false);
      if ((jwks == null) == !discovery) {
        node.error("give exactly one of jwksUri and 'discovery: true'");
      }
      URI jwksUri = jwks == null ? null : httpUrl(node, "jwksUri", jwks);
      if (discovery && issuer != null) {
        httpUrl(node, "issuer", issuer);
      }
      Set<String> audiences = new LinkedHashSet<>(node.stringList("audiences"));
      if (audiences.isEmpty()) {
        node.error("audiences", "list at least one audience this gateway accepts (tokens for other services "
            + "must not open it)");
      }
      Set<String> algorithms = algorithms(node, Set.of("RS256", "ES256"));
      IdentityConfig.ClaimMapping claims = claims(node.object("claims", false));
      Duration skew = node.duration("clockSkew", Duration.ofSeconds(30));
      if (skew.compareTo(Duration.ofMinutes(5)) > 0) {
        node.error("clockSkew", "must be at most 5m (a larger skew keeps expired tokens alive)");
      }
      Duration refresh = node.duration("jwksRefreshInterval", Duration.ofMinutes(1));
      Duration maxAge = positive(node, "jwksMaxAge", node.duration("jwksMaxAge", Duration.ofMinutes(10)));
      if (refresh.compareTo(Duration.ofHours(24)) > 0) {
        node.error("jwksRefreshInterval", "must be at most 24h");
      }
      out.add(new IdentityConfig.Issuer(id, issuer, jwksUri, discovery, Set.copyOf(audiences), algorithms, skew,
          refresh, maxAge, file(node, "caFile"), claims));
      node.finish();
    }
    return List.copyOf(out);
  }

  private IdentityConfig.ClaimMapping claims(ConfigNode node) {
    if (node == null) {
      return new IdentityConfig.ClaimMapping("sub", null, null, null);
    }
    IdentityConfig.ClaimMapping claims = new IdentityConfig.ClaimMapping(node.string("subject", "sub"),
        node.string("tenant", null), node.string("roles", null), node.string("defaultTenant", null));
    node.finish();
    return claims;
  }

  private List<IdentityConfig.OidcProvider> oidc(ConfigNode parent) {
    List<IdentityConfig.OidcProvider> out = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (ConfigNode node : parent.list("oidc", false)) {
      if (!node.isMapping()) {
        node.error("an OIDC provider must be a mapping with id, issuer, clientId and clientSecret");
        continue;
      }
      String id = id(node, ids);
      String issuer = node.requiredString("issuer");
      if (issuer != null) {
        httpUrl(node, "issuer", issuer);
      }
      List<String> scopes = node.has("scopes") ? node.stringList("scopes") : List.of("openid", "profile", "email");
      if (!scopes.contains("openid")) {
        node.error("scopes", "must include 'openid'");
      }
      IdentityConfig.OidcProvider provider = new IdentityConfig.OidcProvider(id,
          node.string("displayName", id), issuer, node.requiredString("clientId"), node.requiredString("clientSecret"),
          List.copyOf(scopes), algorithms(node, Set.of("RS256", "ES256")), file(node, "caFile"),
          node.string("usernameClaim", "preferred_username"), node.requiredString("tenant"),
          node.bool("provisionUsers", false));
      node.finish();
      out.add(provider);
    }
    return List.copyOf(out);
  }

  private IdentityConfig.Assertion assertion(ConfigNode node) {
    if (node == null) {
      return new IdentityConfig.Assertion("portcullis", Duration.ofMinutes(5), Duration.ofDays(30));
    }
    IdentityConfig.Assertion assertion = new IdentityConfig.Assertion(node.string("issuer", "portcullis"),
        positive(node, "lifetime", node.duration("lifetime", Duration.ofMinutes(5))),
        positive(node, "keyRotation", node.duration("keyRotation", Duration.ofDays(30))));
    if (assertion.lifetime().compareTo(Duration.ofSeconds(30)) < 0
        || assertion.lifetime().compareTo(Duration.ofHours(1)) > 0) {
      node.error("lifetime", "must be between 30s and 1h");
    }
    if (assertion.keyRotation().compareTo(Duration.ofHours(1)) < 0) {
      node.error("keyRotation", "must be at least 1h");
    }
    node.finish();
    return assertion;
  }

  private IdentityConfig.Mfa mfa(ConfigNode node, Path dataDir) {
    Path generated = dataDir.resolve("totp-secret.key");
    if (node == null) {
      return new IdentityConfig.Mfa("Portcullis", "SHA1", 6, Duration.ofSeconds(30), 10, null, generated, List.of());
    }
    String issuer = node.string("issuer", "Portcullis");
    if (issuer.isBlank() || issuer.length() > 64 || issuer.contains(":")) {
      node.error("issuer", "must be 1 to 64 characters without ':' (authenticator apps show it beside the code)");
    }
    String algorithm = node.string("algorithm", "SHA1").toUpperCase(Locale.ROOT);
    if (!Set.of("SHA1", "SHA256", "SHA512").contains(algorithm)) {
      node.error("algorithm", "must be SHA1, SHA256 or SHA512 (most authenticator apps support only SHA1)");
    }
    int digits = node.integer("digits", 6, 6, 8);
    Duration period = node.duration("period", Duration.ofSeconds(30));
    if (period.toMillis() % 1000 != 0 || period.getSeconds() < 15 || period.getSeconds() > 120) {
      node.error("period", "must be whole seconds between 15s and 120s");
    }
    int recoveryCodes = node.integer("recoveryCodes", 10, 5, 20);
    byte[] key = null;
    String raw = node.string("secretKey", null);
    Path keyFile = file(node, "secretKeyFile");
    if (raw != null && keyFile != null) {
      node.error("secretKey", "give secretKey or secretKeyFile, not both");
    } else if (raw != null) {
      key = AesKeys.decode(node, "secretKey", raw);
    } else if (keyFile != null) {
      key = AesKeys.read(node, "secretKeyFile", keyFile);
    }
    List<IdentityConfig.Enforcement> enforce = new ArrayList<>();
    for (ConfigNode rule : node.list("enforce", false)) {
      if (!rule.isMapping()) {
        rule.error("a rule must be a mapping such as { roles: [iam-admin], grace: 7d }");
        continue;
      }
      Set<String> roles = new LinkedHashSet<>(rule.stringList("roles"));
      if (roles.isEmpty() || roles.stream().anyMatch(String::isBlank)) {
        rule.error("roles", "list the roles whose holders must enrol (at least one, none blank)");
      }
      Duration grace = rule.duration("grace", Duration.ZERO);
      if (grace.isNegative() || grace.compareTo(Duration.ofDays(90)) > 0) {
        rule.error("grace", "must be between 0 (enrol at the next sign-in) and 90d");
      }
      enforce.add(new IdentityConfig.Enforcement(Set.copyOf(roles), grace));
      rule.finish();
    }
    node.finish();
    return new IdentityConfig.Mfa(issuer, algorithm, digits, period, recoveryCodes, key, generated, List.copyOf(enforce));
  }

  /** Defaults for {@code identity.access}: two approvers, a day to find them, at most 8 hours of access. */
  static final IdentityConfig.Access DEFAULT_ACCESS = new IdentityConfig.Access(2, Duration.ofHours(24),
      Duration.ofHours(8), java.util.Map.of());

  private IdentityConfig.Access access(ConfigNode node) {
    if (node == null) {
      return DEFAULT_ACCESS;
    }
    int approvals = node.integer("approvals", 2, 1, 5);
    Duration ttl = node.duration("requestTtl", Duration.ofHours(24));
    if (ttl.compareTo(Duration.ofMinutes(1)) < 0 || ttl.compareTo(Duration.ofDays(30)) > 0) {
      node.error("requestTtl", "must be between 1m and 30d (how long a request waits for its approvals)");
    }
    Duration max = node.duration("maxDuration", Duration.ofHours(8));
    if (max.compareTo(Duration.ofMinutes(1)) < 0 || max.compareTo(Duration.ofDays(30)) > 0) {
      node.error("maxDuration", "must be between 1m and 30d (the longest access a request may ask for)");
    }
    java.util.Map<String, Duration> elevation = new java.util.LinkedHashMap<>();
    ConfigNode roles = node.object("elevation", false);
    if (roles != null) {
      for (String role : roles.keys()) {
        ConfigNode entry = roles.object(role, true);
        if (role.isBlank() || role.length() > 128 || role.startsWith("route-approval:")) {
          roles.error(role, "'" + role + "' is not a role name that can be elevated to (1 to 128 characters, "
              + "not a route-approval: role)");
        }
        if (entry == null) {
          continue;
        }
        Duration roleMax = entry.duration("maxDuration", Duration.ofHours(1));
        if (roleMax.compareTo(Duration.ofMinutes(1)) < 0 || roleMax.compareTo(Duration.ofHours(24)) > 0) {
          entry.error("maxDuration", "must be between 1m and 24h (elevation is for short, self-service access)");
        }
        entry.finish();
        elevation.put(role, roleMax);
      }
      roles.finish();
    }
    node.finish();
    return new IdentityConfig.Access(approvals, ttl, max, elevation);
  }

  private static IdentityConfig.Source source(ConfigNode identity) {
    String source = identity.string("source", "local").trim().toLowerCase(Locale.ROOT);
    return switch (source) {
      case "local" -> IdentityConfig.Source.LOCAL;
      case "keycloak" -> IdentityConfig.Source.KEYCLOAK;
      default -> {
        identity.error("source", "must be 'local' or 'keycloak', got '" + source + "'");
        yield IdentityConfig.Source.LOCAL;
      }
    };
  }

  /** {@code identity.keycloak}: required with {@code source: keycloak}, refused without it. */
  private IdentityConfig.Keycloak keycloak(ConfigNode identity, IdentityConfig.Source source) {
    boolean wanted = source == IdentityConfig.Source.KEYCLOAK;
    if (!wanted) {
      if (identity.has("keycloak")) {
        identity.object("keycloak", false); // read, so that it is not also reported as unknown
        identity.error("keycloak", "is only used with 'source: keycloak' (without it, users come from the local "
            + "store and this block would be ignored)");
      }
      return null;
    }
    if (!identity.has("keycloak")) {
      identity.error("keycloak", "is required with 'source: keycloak': give url, realm, tenant, clientId and "
          + "clientSecret");
      return null;
    }
    ConfigNode node = identity.object("keycloak", true); // reports an empty value or a non-mapping
    if (node == null) {
      return null;
    }
    URI url = null;
    String rawUrl = node.requiredString("url");
    if (rawUrl != null) {
      url = httpUrl(node, "url", rawUrl.endsWith("/") ? rawUrl.substring(0, rawUrl.length() - 1) : rawUrl);
      if (url != null && (url.getRawQuery() != null || url.getRawFragment() != null)) {
        node.error("url", "must be the server's base URL, without query or fragment");
      } else if (url != null && url.getPath() != null && url.getPath().contains("/realms/")) {
        node.error("url", "must be the server's base URL (e.g. https://sso.example), without /realms/<realm>: "
            + "the realm is its own field");
      }
    }
    String realm = node.requiredString("realm");
    if (realm != null && (realm.length() > 255 || !realm.chars().allMatch(c -> c > ' ' && c != '/' && c < 127))) {
      node.error("realm", "'" + realm + "' is not a realm name (1 to 255 printable ASCII characters, no '/' or "
          + "spaces)");
    }
    String tenant = node.requiredString("tenant");
    if (tenant != null && (tenant.length() > 64 || !tenant.chars().allMatch(c -> c > ' ' && c < 127))) {
      node.error("tenant", "'" + tenant + "' is not a tenant id (1 to 64 printable ASCII characters, no spaces)");
    }
    String clientId = node.requiredString("clientId");
    String clientSecret = node.requiredString("clientSecret");
    Path caFile = file(node, "caFile");
    Duration refresh = node.duration("refreshInterval", Duration.ofMinutes(1));
    if (refresh.compareTo(Duration.ofSeconds(10)) < 0 || refresh.compareTo(Duration.ofHours(1)) > 0) {
      node.error("refreshInterval", "must be between 10s and 1h (how long a change made in Keycloak, such as a "
          + "disabled user, may take to arrive here)");
    }
    Duration timeout = node.duration("timeout", Duration.ofSeconds(10));
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0 || timeout.compareTo(Duration.ofMinutes(2)) > 0) {
      node.error("timeout", "must be between 1s and 2m (for each call to Keycloak's admin API)");
    }
    node.finish();
    return new IdentityConfig.Keycloak(url, realm, tenant, clientId, clientSecret, caFile, refresh, timeout);
  }

  GatewayConfig.AssertionSpec assertionSpec(ConfigNode node, String routeId) {
    if (node == null) {
      return null;
    }
    String header = node.string("header", "X-Portcullis-Assertion");
    if (!HEADER.matcher(header).matches()) {
      node.error("header", "'" + header + "' is not a valid header name");
    }
    GatewayConfig.AssertionSpec spec = new GatewayConfig.AssertionSpec(header,
        node.string("audience", routeId), node.bool("pseudonymous", false));
    node.finish();
    return spec;
  }

  ClusterConfig cluster(ConfigNode node) {
    if (node == null) {
      return new ClusterConfig(ClusterConfig.Mode.EMBEDDED, "portcullis", "127.0.0.1", 5701, true, List.of(), 1);
    }
    String mode = node.string("mode", "embedded").toLowerCase(Locale.ROOT);
    ClusterConfig.Mode parsed = switch (mode) {
      case "embedded" -> ClusterConfig.Mode.EMBEDDED;
      case "client" -> ClusterConfig.Mode.CLIENT;
      default -> {
        node.error("mode", "must be 'embedded' or 'client', got '" + mode + "'");
        yield ClusterConfig.Mode.EMBEDDED;
      }
    };
    List<String> members = node.stringList("members");
    for (String member : members) {
      if (!HOST_PORT.matcher(member).matches()) {
        node.error("members", "'" + member + "' is not host or host:port");
      }
    }
    if (parsed == ClusterConfig.Mode.CLIENT && members.isEmpty()) {
      node.error("members", "client mode needs the addresses of at least one cluster member");
    }
    ClusterConfig cluster = new ClusterConfig(parsed, node.string("name", "portcullis"),
        node.string("host", "127.0.0.1"), node.integer("port", 5701, 1, 65535), node.bool("portAutoIncrement", true),
        List.copyOf(members), node.integer("sessionBackups", 1, 0, 6));
    node.finish();
    return cluster;
  }

  private static String id(ConfigNode node, Set<String> seen) {
    String id = node.requiredString("id");
    if (id != null && !ID.matcher(id).matches()) {
      node.error("id", "'" + id + "' is not a valid id (lower-case letters, digits, '-' and '_')");
    } else if (id != null && !seen.add(id)) {
      node.error("id", "duplicate id '" + id + "'");
    }
    return id;
  }

  private static Set<String> algorithms(ConfigNode node, Set<String> defaults) {
    if (!node.has("algorithms")) {
      return defaults;
    }
    Set<String> algorithms = new LinkedHashSet<>(node.stringList("algorithms"));
    for (String alg : algorithms) {
      if (!JWT_ALGORITHMS.contains(alg)) {
        node.error("algorithms", "'" + alg + "' is not allowed; choose from " + new java.util.TreeSet<>(JWT_ALGORITHMS)
            + " (no 'none', no HMAC)");
      }
    }
    if (algorithms.isEmpty()) {
      node.error("algorithms", "must list at least one algorithm");
    }
    return Set.copyOf(algorithms);
  }

  private Path file(ConfigNode node, String key) {
    String value = node.string(key, null);
    if (value == null) {
      return null;
    }
    Path path = paths.apply(value);
    if (!java.nio.file.Files.isReadable(path)) {
      node.error(key, "cannot read '" + path + "'");
    }
    return path;
  }

  private static URI httpUrl(ConfigNode node, String key, String value) {
    try {
      URI uri = new URI(value);
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null
          || uri.getRawUserInfo() != null) {
        node.error(key, "must be an http(s) URL with a host and no credentials");
        return null;
      }
      if (!dev.portcullis.gateway.net.IdentityProviderUrls.acceptable(uri)) {
        node.error(key, "must be an https:// URL (plain http only to loopback, for tests)");
      }
      return uri;
    } catch (URISyntaxException e) {
      node.error(key, "not a valid URL: " + e.getReason());
      return null;
    }
  }

  private static Duration positive(ConfigNode node, String key, Duration value) {
    if (value.isZero() || value.isNegative()) {
      node.error(key, "must be greater than zero");
      return Duration.ofSeconds(1);
    }
    return value;
  }
}
