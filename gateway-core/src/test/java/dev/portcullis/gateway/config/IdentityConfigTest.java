package dev.portcullis.gateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The identity:, cluster: and per-route authentication/assertion settings: defaults and every refusal. */
class IdentityConfigTest {

  @TempDir
  Path dir;

  private static final String ROUTE = """
      routes:
        - id: app
          match: { pathPrefix: /app }
          upstream: { targets: [ "http://127.0.0.1:9001" ] }
      """;

  private static final String ISSUER = """
      identity:
        issuers:
          - id: kc
            issuer: https://sso.example/realms/acme
            jwksUri: https://sso.example/realms/acme/certs
            audiences: [ portcullis ]
      """;

  private GatewayConfig parse(String yaml) throws InvalidConfigException {
    return ConfigLoader.parse(yaml, "gateway.yaml", dir, dir.resolve("gateway.yaml"), Map.<String, String>of()::get);
  }

  @Test
  void anIdentitySectionGetsSafeDefaultsAndRoutesRequireASignIn() throws Exception {
    GatewayConfig config = parse("identity: {}\n" + ROUTE);
    IdentityConfig identity = config.identity();
    assertThat(identity.store().jdbcUrl()).isEqualTo("jdbc:h2:file:" + dir.resolve("data/iam"));
    assertThat(identity.store().seedDemo()).isFalse();
    assertThat(identity.passwords()).isEqualTo(new IdentityConfig.Passwords(19 * 1024, 2, 1, 12));
    assertThat(identity.sessions()).isEqualTo(new IdentityConfig.Sessions(Duration.ofMinutes(30), Duration.ofHours(12)));
    assertThat(identity.login().freeAttempts()).isEqualTo(5);
    assertThat(identity.assertion().lifetime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.cluster()).isEqualTo(new ClusterConfig(ClusterConfig.Mode.EMBEDDED, "portcullis", "127.0.0.1",
        5701, true, List.of(), 1));
    assertThat(config.routes().get(0).authentication()).isEqualTo(GatewayConfig.Authentication.REQUIRED);
    assertThat(config.routes().get(0).assertion()).isNull();
  }

  @Test
  void anIssuerIsReadWithItsAllowlistAndClaimMapping() throws Exception {
    GatewayConfig config = parse(ISSUER + "      claims: { tenant: org, roles: realm_access.roles }\n"
        + "      algorithms: [ ES256 ]\n" + ROUTE);
    IdentityConfig.Issuer issuer = config.identity().issuers().get(0);
    assertThat(issuer.algorithms()).containsExactly("ES256");
    assertThat(issuer.claims().roles()).isEqualTo("realm_access.roles");
    assertThat(issuer.audiences()).containsExactly("portcullis");
  }

  @Test
  void anAssertionDefaultsToTheRouteIdAsAudience() throws Exception {
    GatewayConfig config = parse("identity: {}\n" + ROUTE + "    assertion: { pseudonymous: true }\n");
    assertThat(config.routes().get(0).assertion())
        .isEqualTo(new GatewayConfig.AssertionSpec("X-Portcullis-Assertion", "app", true));
  }

  @Test
  void accessRequestsDefaultToTwoApproversADayToFindThemAndEightHoursAtMost() throws Exception {
    assertThat(parse("identity: {}\n" + ROUTE).identity().access()).isEqualTo(new IdentityConfig.Access(2,
        Duration.ofHours(24), Duration.ofHours(8), Map.of()));
    IdentityConfig.Access access = parse("""
        identity:
          access:
            approvals: 3
            requestTtl: 2h
            maxDuration: 1d
            elevation:
              records-admin: { maxDuration: 30m }
              ops: {}
        """ + ROUTE).identity().access();
    assertThat(access.approvals()).isEqualTo(3);
    assertThat(access.requestTtl()).isEqualTo(Duration.ofHours(2));
    assertThat(access.maxDuration()).isEqualTo(Duration.ofDays(1));
    assertThat(access.elevation()).containsExactly(Map.entry("records-admin", Duration.ofMinutes(30)),
        Map.entry("ops", Duration.ofHours(1)));
  }

  @Test
  void theSecondFactorHasRfcDefaultsAndTakesItsKeyFromTheEnvironmentOrAFile() throws Exception {
    IdentityConfig.Mfa defaults = parse("identity: {}\n" + ROUTE).identity().mfa();
    assertThat(defaults.algorithm()).isEqualTo("SHA1");
    assertThat(defaults.digits()).isEqualTo(6);
    assertThat(defaults.period()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.recoveryCodes()).isEqualTo(10);
    assertThat(defaults.secretKey()).isNull();
    assertThat(defaults.secretKeyFile()).isEqualTo(dir.resolve("data/totp-secret.key"));
    assertThat(defaults.enforce()).isEmpty();

    String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
    GatewayConfig fromEnv = ConfigLoader.parse("identity: { mfa: { secretKey: \"${TOTP_KEY}\", enforce: [ { roles: "
        + "[admin, ops], grace: 7d } ] } }\n" + ROUTE, "gateway.yaml", dir, dir.resolve("gateway.yaml"),
        Map.of("TOTP_KEY", key)::get);
    assertThat(fromEnv.identity().mfa().secretKey()).hasSize(32);
    assertThat(fromEnv.identity().mfa().enforce()).containsExactly(new IdentityConfig.Enforcement(
        java.util.Set.of("admin", "ops"), Duration.ofDays(7)));
    java.nio.file.Files.writeString(dir.resolve("totp.key"), key + "\n");
    assertThat(parse("identity: { mfa: { secretKeyFile: totp.key, algorithm: sha256, digits: 8, period: 60s } }\n"
        + ROUTE).identity().mfa()).satisfies(mfa -> {
          assertThat(mfa.secretKey()).hasSize(32);
          assertThat(mfa.algorithm()).isEqualTo("SHA256");
          assertThat(mfa.digits()).isEqualTo(8);
        });
  }

  static Stream<Arguments> brokenFiles() {
    String noPolicies = ROUTE + "    public: true\n";
    return Stream.of(
        Arguments.of("unknown identity field", "identity: { sesions: {} }\n" + ROUTE, 1, "identity.sesions",
            "unknown field 'sesions'"),
        Arguments.of("not a supported database", "identity: { store: { jdbcUrl: \"jdbc:mysql://x/y\" } }\n" + ROUTE, 1,
            "identity.store.jdbcUrl", "must be an H2 (jdbc:h2:…) or PostgreSQL"),
        Arguments.of("too little Argon2 memory", "identity: { passwords: { memory: 1MiB } }\n" + ROUTE, 1,
            "identity.passwords.memory", "must be between 8MiB and 1GiB"),
        Arguments.of("short minimum length", "identity: { passwords: { minLength: 4 } }\n" + ROUTE, 1,
            "identity.passwords.minLength", "must be between 8 and 128"),
        Arguments.of("idle longer than absolute", "identity: { sessions: { idleTimeout: 2d, absoluteTimeout: 1d } }\n"
            + ROUTE, 1, "identity.sessions.idleTimeout", "must not be longer than absoluteTimeout"),
        Arguments.of("zero backoff", "identity: { login: { backoffBase: 0s } }\n" + ROUTE, 1,
            "identity.login.backoffBase", "must be greater than zero"),
        Arguments.of("issuer without keys", ISSUER.replace("      jwksUri: https://sso.example/realms/acme/certs\n", "")
            + ROUTE, 3, "identity.issuers[0]", "give exactly one of jwksUri and 'discovery: true'"),
        Arguments.of("issuer with both", ISSUER.replace("audiences", "discovery: true\n      audiences") + ROUTE, 3,
            "identity.issuers[0]", "give exactly one of jwksUri and 'discovery: true'"),
        Arguments.of("hmac algorithm", ISSUER + "      algorithms: [ HS256 ]\n" + ROUTE, 7,
            "identity.issuers[0].algorithms", "'HS256' is not allowed"),
        Arguments.of("alg none", ISSUER + "      algorithms: [ none ]\n" + ROUTE, 7,
            "identity.issuers[0].algorithms", "'none' is not allowed"),
        Arguments.of("huge clock skew", ISSUER + "      clockSkew: 1h\n" + ROUTE, 7,
            "identity.issuers[0].clockSkew", "must be at most 5m"),
        Arguments.of("no audience", ISSUER.replace("[ portcullis ]", "[]") + ROUTE, 6,
            "identity.issuers[0].audiences", "list at least one audience"),
        Arguments.of("plain http keys", ISSUER.replace("https://sso.example/realms/acme/certs",
            "http://sso.example/certs") + ROUTE, 5, "identity.issuers[0].jwksUri", "must be an https:// URL"),
        Arguments.of("duplicate issuer id", ISSUER + ISSUER.substring(ISSUER.indexOf("    - id"))
            .replace("issuers:\n", "") + ROUTE, 7, "identity.issuers[1].id", "duplicate id 'kc'"),
        Arguments.of("oidc without openid scope", """
            identity:
              oidc:
                - { id: kc, issuer: "https://sso.example", clientId: gw, clientSecret: s, tenant: acme, scopes: [ profile ] }
            """ + ROUTE, 3, "identity.oidc[0].scopes", "must include 'openid'"),
        Arguments.of("oidc without tenant", """
            identity:
              oidc:
                - { id: kc, issuer: "https://sso.example", clientId: gw, clientSecret: s }
            """ + ROUTE, 3, "identity.oidc[0].tenant", "is required"),
        Arguments.of("required sign-in without identity", ROUTE + "    authentication: required\n", 5,
            "routes[0].authentication", "needs the identity: section"),
        Arguments.of("public route requiring sign-in", "identity: {}\n" + noPolicies
            + "    authentication: required\n", 7, "routes[0].authentication", "a public route cannot require a login"),
        Arguments.of("unknown authentication mode", "identity: {}\n" + ROUTE + "    authentication: sometimes\n", 6,
            "routes[0].authentication", "must be 'required' or 'optional'"),
        Arguments.of("optional sign-in and no policies", "identity: {}\n" + ROUTE + "    authentication: optional\n",
            3, "routes[0]", "a route without policies lets everyone through"),
        Arguments.of("assertion without identity", noPolicies + "    assertion: {}\n", 6, "routes[0].assertion",
            "an identity assertion needs the identity: section"),
        Arguments.of("bad assertion header", "identity: {}\n" + ROUTE + "    assertion: { header: \"X Id\" }\n", 6,
            "routes[0].assertion.header", "is not a valid header name"),
        Arguments.of("assertion lifetime too long", "identity: { assertion: { lifetime: 1d } }\n" + ROUTE, 1,
            "identity.assertion.lifetime", "must be between 30s and 1h"),
        Arguments.of("cluster mode", "cluster: { mode: mesh }\n" + noPolicies, 1, "cluster.mode",
            "must be 'embedded' or 'client'"),
        Arguments.of("client without members", "cluster: { mode: client }\n" + noPolicies, 1, "cluster.members",
            "client mode needs the addresses"),
        Arguments.of("bad member", "cluster: { members: [ \"a b:1\" ] }\n" + noPolicies, 1, "cluster.members",
            "is not host or host:port"),
        Arguments.of("too many backups", "cluster: { sessionBackups: 9 }\n" + noPolicies, 1, "cluster.sessionBackups",
            "must be between 0 and 6"),
        Arguments.of("unknown TOTP algorithm", "identity: { mfa: { algorithm: MD5 } }\n" + ROUTE, 1,
            "identity.mfa.algorithm", "must be SHA1, SHA256 or SHA512"),
        Arguments.of("too few digits", "identity: { mfa: { digits: 4 } }\n" + ROUTE, 1, "identity.mfa.digits",
            "must be between 6 and 8"),
        Arguments.of("odd period", "identity: { mfa: { period: 1500ms } }\n" + ROUTE, 1, "identity.mfa.period",
            "must be whole seconds between 15s and 120s"),
        Arguments.of("issuer with a colon", "identity: { mfa: { issuer: \"a:b\" } }\n" + ROUTE, 1,
            "identity.mfa.issuer", "without ':'"),
        Arguments.of("short secret key", "identity: { mfa: { secretKey: c2hvcnQ= } }\n" + ROUTE, 1,
            "identity.mfa.secretKey", "must be 32 bytes (AES-256) in base64"),
        Arguments.of("secret key not base64", "identity: { mfa: { secretKey: \"not base64!\" } }\n" + ROUTE, 1,
            "identity.mfa.secretKey", "is not base64 (the value is not shown)"),
        Arguments.of("missing key file", "identity: { mfa: { secretKeyFile: nowhere.key } }\n" + ROUTE, 1,
            "identity.mfa.secretKeyFile", "cannot read"),
        Arguments.of("rule without roles", "identity: { mfa: { enforce: [ { grace: 7d } ] } }\n" + ROUTE, 1,
            "identity.mfa.enforce[0].roles", "list the roles whose holders must enrol"),
        Arguments.of("grace too long", "identity: { mfa: { enforce: [ { roles: [a], grace: 100d } ] } }\n" + ROUTE, 1,
            "identity.mfa.enforce[0].grace", "must be between 0"),
        Arguments.of("cluster without a shared TOTP key", "identity: {}\ncluster: { members: [ \"10.0.0.1:5701\", "
            + "\"10.0.0.2:5701\" ] }\n" + ROUTE, 1, "identity", "set identity.mfa.secretKey"),
        Arguments.of("unknown mfa field", "identity: { mfa: { codeLength: 6 } }\n" + ROUTE, 1, "identity.mfa.codeLength",
            "unknown field 'codeLength'"),
        Arguments.of("no approvers", "identity: { access: { approvals: 0 } }\n" + ROUTE, 1,
            "identity.access.approvals", "between 1 and 5"),
        Arguments.of("too many approvers", "identity: { access: { approvals: 6 } }\n" + ROUTE, 1,
            "identity.access.approvals", "between 1 and 5"),
        Arguments.of("request ttl too short", "identity: { access: { requestTtl: 30s } }\n" + ROUTE, 1,
            "identity.access.requestTtl", "must be between 1m and 30d"),
        Arguments.of("max duration too long", "identity: { access: { maxDuration: 60d } }\n" + ROUTE, 1,
            "identity.access.maxDuration", "must be between 1m and 30d"),
        Arguments.of("elevation too long", "identity:\n  access:\n    elevation:\n      ops: { maxDuration: 2d }\n"
            + ROUTE, 4, "identity.access.elevation.ops.maxDuration", "must be between 1m and 24h"),
        Arguments.of("elevation to a route role", "identity:\n  access:\n    elevation:\n"
            + "      \"route-approval:x\": {}\n" + ROUTE, 4, "identity.access.elevation.route-approval:x",
            "not a route-approval: role"),
        Arguments.of("elevation not a mapping", "identity:\n  access:\n    elevation:\n      ops: 1h\n" + ROUTE, 4,
            "identity.access.elevation.ops", "must be a mapping"),
        Arguments.of("unknown elevation field", "identity:\n  access:\n    elevation:\n      ops: { max: 1h }\n"
            + ROUTE, 4, "identity.access.elevation.ops.max", "unknown field 'max'"),
        Arguments.of("unknown access field", "identity: { access: { quorum: 2 } }\n" + ROUTE, 1,
            "identity.access.quorum", "unknown field 'quorum'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenFiles")
  void eachProblemNamesItsFieldAndLine(String description, String yaml, int line, String path, String message) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse(yaml));
    assertThat(e).as("config should have been rejected").isNotNull();
    assertThat(e.problems()).anySatisfy(p -> {
      assertThat(p.path()).isEqualTo(path);
      assertThat(p.message()).contains(message);
      assertThat(p.line()).isEqualTo(line);
    });
  }
}
