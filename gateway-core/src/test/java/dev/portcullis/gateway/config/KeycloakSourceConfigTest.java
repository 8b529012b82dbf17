package dev.portcullis.gateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@code identity.source} and {@code identity.keycloak}: defaults, and every refusal named by field and line. */
class KeycloakSourceConfigTest {

  @TempDir
  Path dir;

  private static final String ROUTE = """
      routes:
        - id: app
          match: { pathPrefix: /app }
          upstream: { targets: [ "http://127.0.0.1:9001" ] }
      """;

  /** A valid source block; tests replace or add lines (its fields' problems are reported at line 4, the mapping's first). */
  private static final String KEYCLOAK = """
      identity:
        source: keycloak
        keycloak:
          url: https://sso.example/
          realm: acme
          tenant: acme
          clientId: portcullis-sync
          clientSecret: "${KC_SECRET}"
      """;

  private GatewayConfig parse(String yaml) throws InvalidConfigException {
    return ConfigLoader.parse(yaml, "gateway.yaml", dir, dir.resolve("gateway.yaml"),
        Map.of("KC_SECRET", "s3cret-value")::get);
  }

  @Test
  void theLocalStoreIsTheDefaultSource() throws Exception {
    IdentityConfig identity = parse("identity: {}\n" + ROUTE).identity();
    assertThat(identity.source()).isEqualTo(IdentityConfig.Source.LOCAL);
    assertThat(identity.keycloak()).isNull();
  }

  @Test
  void aKeycloakSourceGetsDefaultsAndHidesItsSecret() throws Exception {
    IdentityConfig identity = parse(KEYCLOAK + ROUTE).identity();
    assertThat(identity.source()).isEqualTo(IdentityConfig.Source.KEYCLOAK);
    IdentityConfig.Keycloak keycloak = identity.keycloak();
    assertThat(keycloak.url()).isEqualTo(URI.create("https://sso.example"));
    assertThat(keycloak.realm()).isEqualTo("acme");
    assertThat(keycloak.tenant()).isEqualTo("acme");
    assertThat(keycloak.clientId()).isEqualTo("portcullis-sync");
    assertThat(keycloak.clientSecret()).isEqualTo("s3cret-value");
    assertThat(keycloak.caFile()).isNull();
    assertThat(keycloak.refreshInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(keycloak.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(identity.toString()).contains("realm=acme").doesNotContain("s3cret-value");
  }

  @Test
  void intervalsAndAPrivateCaAreRead() throws Exception {
    Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    IdentityConfig.Keycloak keycloak = parse(KEYCLOAK + "    caFile: ca.pem\n    refreshInterval: 30s\n"
        + "    timeout: 3s\n" + ROUTE).identity().keycloak();
    assertThat(keycloak.caFile()).isEqualTo(dir.resolve("ca.pem"));
    assertThat(keycloak.refreshInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(keycloak.timeout()).isEqualTo(Duration.ofSeconds(3));
  }

  static Stream<Arguments> brokenFiles() {
    return Stream.of(
        Arguments.of("unknown source", "identity: { source: ldap }\n" + ROUTE, 1, "identity.source",
            "must be 'local' or 'keycloak', got 'ldap'"),
        Arguments.of("keycloak source without its block", "identity: { source: keycloak }\n" + ROUTE, 1,
            "identity.keycloak", "is required with 'source: keycloak': give url, realm, tenant, clientId and "
            + "clientSecret"),
        Arguments.of("empty block", "identity:\n  source: keycloak\n  keycloak:\n" + ROUTE, 3, "identity.keycloak",
            "is required"),
        Arguments.of("block not a mapping", "identity:\n  source: keycloak\n  keycloak: yes\n" + ROUTE, 3,
            "identity.keycloak", "must be a mapping"),
        Arguments.of("block without keycloak source", KEYCLOAK.replace("  source: keycloak\n", "") + ROUTE, 3,
            "identity.keycloak", "is only used with 'source: keycloak'"),
        Arguments.of("block with local source", KEYCLOAK.replace("source: keycloak", "source: local") + ROUTE, 4,
            "identity.keycloak", "is only used with 'source: keycloak'"),
        Arguments.of("missing url", KEYCLOAK.replace("    url: https://sso.example/\n", "") + ROUTE, 4,
            "identity.keycloak.url", "is required"),
        Arguments.of("url not http", KEYCLOAK.replace("https://sso.example/", "ldap://sso.example") + ROUTE, 4,
            "identity.keycloak.url", "must be an http(s) URL with a host and no credentials"),
        Arguments.of("plain http elsewhere than loopback", KEYCLOAK.replace("https://sso.example/",
            "http://sso.example") + ROUTE, 4, "identity.keycloak.url", "must be an https:// URL"),
        Arguments.of("url with credentials", KEYCLOAK.replace("https://sso.example/", "https://admin:pw@sso.example")
            + ROUTE, 4, "identity.keycloak.url", "no credentials"),
        Arguments.of("url of a realm", KEYCLOAK.replace("https://sso.example/", "https://sso.example/realms/acme")
            + ROUTE, 4, "identity.keycloak.url", "without /realms/<realm>"),
        Arguments.of("url not a url", KEYCLOAK.replace("https://sso.example/", "\"https://sso example\"") + ROUTE, 4,
            "identity.keycloak.url", "not a valid URL"),
        Arguments.of("missing realm", KEYCLOAK.replace("    realm: acme\n", "") + ROUTE, 4,
            "identity.keycloak.realm", "is required"),
        Arguments.of("realm with a slash", KEYCLOAK.replace("realm: acme", "realm: a/b") + ROUTE, 5,
            "identity.keycloak.realm", "'a/b' is not a realm name"),
        Arguments.of("missing tenant", KEYCLOAK.replace("    tenant: acme\n", "") + ROUTE, 4,
            "identity.keycloak.tenant", "is required"),
        Arguments.of("tenant too long", KEYCLOAK.replace("tenant: acme", "tenant: " + "t".repeat(65)) + ROUTE, 6,
            "identity.keycloak.tenant", "is not a tenant id"),
        Arguments.of("missing client id", KEYCLOAK.replace("    clientId: portcullis-sync\n", "") + ROUTE, 4,
            "identity.keycloak.clientId", "is required"),
        Arguments.of("missing secret", KEYCLOAK.replace("    clientSecret: \"${KC_SECRET}\"\n", "") + ROUTE, 4,
            "identity.keycloak.clientSecret", "is required"),
        Arguments.of("secret from an unset variable", KEYCLOAK.replace("KC_SECRET", "NOT_SET") + ROUTE, 8,
            "identity.keycloak.clientSecret", "NOT_SET"),
        Arguments.of("unreadable CA file", KEYCLOAK + "    caFile: nowhere.pem\n" + ROUTE, 9,
            "identity.keycloak.caFile", "cannot read"),
        Arguments.of("refresh too often", KEYCLOAK + "    refreshInterval: 5s\n" + ROUTE, 9,
            "identity.keycloak.refreshInterval", "must be between 10s and 1h"),
        Arguments.of("refresh too seldom", KEYCLOAK + "    refreshInterval: 2h\n" + ROUTE, 9,
            "identity.keycloak.refreshInterval", "must be between 10s and 1h"),
        Arguments.of("not a duration", KEYCLOAK + "    refreshInterval: often\n" + ROUTE, 9,
            "identity.keycloak.refreshInterval", "must be a duration"),
        Arguments.of("timeout too long", KEYCLOAK + "    timeout: 5m\n" + ROUTE, 9, "identity.keycloak.timeout",
            "must be between 1s and 2m"),
        Arguments.of("unused accounts disabled here while Keycloak enables them", KEYCLOAK
            + "  lifecycle: { disableUnusedAfter: 90d }\n" + ROUTE, 9, "identity.lifecycle.disableUnusedAfter",
            "cannot be used with 'source: keycloak'"),
        Arguments.of("unknown field", KEYCLOAK + "    adminPassword: x\n" + ROUTE, 9,
            "identity.keycloak.adminPassword", "unknown field 'adminPassword'"));
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
    assertThat(e.getMessage()).doesNotContain("s3cret-value");
  }
}
