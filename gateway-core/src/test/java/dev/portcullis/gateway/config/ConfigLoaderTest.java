package dev.portcullis.gateway.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  private static final String ROUTE = """
      routes:
        - id: app
          match: { pathPrefix: /app }
          upstream: { targets: [ "http://127.0.0.1:9001" ] }
          public: true
      """;

  private GatewayConfig parse(String yaml, Map<String, String> env) throws InvalidConfigException {
    return ConfigLoader.parse(yaml, "gateway.yaml", dir, dir.resolve("gateway.yaml"), env::get);
  }

  private List<ConfigProblem> problems(String yaml) {
    InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> parse(yaml, Map.of()));
    assertThat(e).as("config should have been rejected").isNotNull();
    return e.problems();
  }

  @Test
  void aMinimalFileGetsSafeDefaults() throws Exception {
    GatewayConfig config = parse(ROUTE, Map.of());
    assertThat(config.listeners().publicListener().port()).isEqualTo(8443);
    assertThat(config.listeners().publicListener().host()).isEqualTo("127.0.0.1");
    assertThat(config.listeners().publicListener().tls().selfSigned()).isTrue();
    assertThat(config.listeners().admin().port()).isEqualTo(9443);
    assertThat(config.listeners().redirect()).isNull();
    assertThat(config.dataDir()).isEqualTo(dir.resolve("data"));
    assertThat(config.limits().maxBodySize()).isEqualTo(10L * 1024 * 1024);
    GatewayConfig.Route route = config.routes().get(0);
    assertThat(route.upstream().tls().verify()).isTrue();
    assertThat(route.upstream().timeouts().connect()).isEqualTo(Duration.ofSeconds(5));
    assertThat(route.isPublic()).isTrue();
  }

  @Test
  void environmentVariablesAreSubstitutedInValuesWithDefaults() throws Exception {
    String yaml = """
        dataDir: "/tmp/$${literal}"
        listeners:
          public: { port: "${GW_PORT}", host: "${GW_HOST:-127.0.0.2}" }
        routes:
          - id: app
            match: { pathPrefix: "/app" }
            upstream: { targets: [ "http://${BACKEND}:9001" ] }
            public: true
        """;
    GatewayConfig config = parse(yaml, Map.of("GW_PORT", "7443", "BACKEND", "10.0.0.5"));
    assertThat(config.listeners().publicListener().port()).isEqualTo(7443);
    assertThat(config.listeners().publicListener().host()).isEqualTo("127.0.0.2");
    assertThat(config.routes().get(0).upstream().targets().get(0).getHost()).isEqualTo("10.0.0.5");
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/${literal}"));
  }

  static Stream<Arguments> brokenFiles() {
    return Stream.of(
        Arguments.of("unknown top-level field", "listners: {}\n" + ROUTE, 1, "listners", "unknown field 'listners'"),
        Arguments.of("no routes", "dataDir: x\n", 1, "routes", "is required"),
        Arguments.of("unset variable", ROUTE.replace("9001", "${NOPE}"), 4, "routes[0].upstream.targets[0]",
            "environment variable NOPE is not set"),
        Arguments.of("bad target scheme", ROUTE.replace("http://", "ftp://"), 4, "routes[0].upstream.targets[0]",
            "must start with http:// or https://"),
        Arguments.of("target with path", ROUTE.replace(":9001", ":9001/x"), 4, "routes[0].upstream.targets[0]",
            "scheme://host[:port] only"),
        Arguments.of("bad duration", "limits: { idleTimeout: 10 minutes }\n" + ROUTE, 1, "limits.idleTimeout",
            "must be a duration such as 500ms"),
        Arguments.of("bad size", "limits: { maxBodySize: lots }\n" + ROUTE, 1, "limits.maxBodySize",
            "must be a size such as 8192"),
        Arguments.of("port out of range", "listeners: { public: { port: 70000 } }\n" + ROUTE, 1,
            "listeners.public.port", "must be between 0 and 65535, got 70000"),
        Arguments.of("not a number", "listeners: { public: { port: eighty } }\n" + ROUTE, 1,
            "listeners.public.port", "must be a whole number"),
        Arguments.of("cert without key", "listeners: { public: { tls: { cert: /etc/hosts } } }\n" + ROUTE, 1,
            "listeners.public.tls.key", "cert and key go together"),
        Arguments.of("non-canonical prefix", ROUTE.replace("/app", "/%7Eapp"), 3, "routes[0].match.pathPrefix",
            "is not in canonical form; write '/~app'"),
        Arguments.of("prefix with dot segment", ROUTE.replace("/app", "/a/../app"), 3, "routes[0].match.pathPrefix",
            "write '/app'"),
        Arguments.of("trust everyone", "trustedProxies: [ 0.0.0.0/0 ]\n" + ROUTE, 1, "trustedProxies[0]",
            "trusts every address"),
        Arguments.of("credentials in target", ROUTE.replace("http://127.0.0.1", "http://admin:${PW:-s3cret}@127.0.0.1"),
            4, "routes[0].upstream.targets[0]", "'http://***@127.0.0.1:9001' must not carry user:password"),
        Arguments.of("huge size", "limits: { maxBodySize: 9000000000GiB }\n" + ROUTE, 1, "limits.maxBodySize",
            "is too large"),
        Arguments.of("huge duration", "limits: { idleTimeout: 99999d }\n" + ROUTE, 1, "limits.idleTimeout",
            "must be at most 3650d"),
        Arguments.of("absurd number", "limits: { idleTimeout: 99999999999999999999s }\n" + ROUTE, 1,
            "limits.idleTimeout", "must be a duration"),
        Arguments.of("bad tls engine", "listeners: { public: { tls: { engine: gnutls } } }\n" + ROUTE, 1,
            "listeners.public.tls.engine", "must be auto, openssl or jdk, got 'gnutls'"),
        Arguments.of("bad event loops", "eventLoops: 0\n" + ROUTE, 1, "eventLoops", "must be between 1 and 256"),
        Arguments.of("missing cert file", "listeners: { public: { tls: { cert: /nope.pem, key: /nope.key } } }\n"
            + ROUTE, 1, "listeners.public.tls.cert", "does not exist"),
        Arguments.of("bad cidr", "trustedProxies: [ 10.0.0.0/33 ]\n" + ROUTE, 1, "trustedProxies[0]",
            "prefix length 33"),
        Arguments.of("dns name as proxy", "trustedProxies: [ proxy.example ]\n" + ROUTE, 1, "trustedProxies[0]",
            "not an IP address"),
        Arguments.of("route not public and no policies", ROUTE.replace("    public: true\n", ""), 2, "routes[0]",
            "say 'public: true'"),
        Arguments.of("unknown policy", ROUTE.replace("    public: true\n", "")
            + "    policies: [ { rbac: { anyOf: [x] } } ]\n", 5, "routes[0].policies[0].rbac", "unknown policy 'rbac'"),
        Arguments.of("bad regex", ROUTE.replace("pathPrefix: /app", "pathRegex: \"/a(\""), 3,
            "routes[0].match.pathRegex", "not a valid regular expression"),
        Arguments.of("prefix without slash", ROUTE.replace("/app", "app"), 3, "routes[0].match.pathPrefix",
            "must start with '/'"),
        Arguments.of("bad method", ROUTE.replace("pathPrefix: /app", "pathPrefix: /app, methods: [ FETCH ]"), 3,
            "routes[0].match.methods[0]", "'FETCH' is not an HTTP method"),
        Arguments.of("bad host pattern", ROUTE.replace("pathPrefix: /app", "host: \"a.*.example\""), 3,
            "routes[0].match.host", "not a host name"),
        Arguments.of("bad route id", ROUTE.replace("id: app", "id: My App"), 2, "routes[0].id",
            "not a valid route id"),
        Arguments.of("empty targets", ROUTE.replace("[ \"http://127.0.0.1:9001\" ]", "[]"), 4,
            "routes[0].upstream.targets", "needs at least one target"),
        Arguments.of("duplicate slashes option", "normalization: { duplicateSlashes: keep }\n" + ROUTE, 1,
            "normalization.duplicateSlashes", "must be 'merge' or 'reject'"),
        Arguments.of("boolean", ROUTE.replace("public: true", "public: maybe"), 5, "routes[0].public",
            "must be true or false"),
        Arguments.of("unknown upstream field", ROUTE.replace("targets:", "tragets: [], targets:"), 4,
            "routes[0].upstream.tragets", "unknown field 'tragets'"),
        Arguments.of("rewrite without prefix", ROUTE.replace("pathPrefix: /app", "pathRegex: \"/a.*\"")
            + "    rewrite: { stripPrefix: true }\n", 6, "routes[0].rewrite", "needs match.pathPrefix"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokenFiles")
  void eachProblemNamesItsFieldAndLine(String description, String yaml, int line, String path, String message) {
    List<ConfigProblem> problems = problems(yaml);
    assertThat(problems).anySatisfy(p -> {
      assertThat(p.path()).isEqualTo(path);
      assertThat(p.message()).contains(message);
      assertThat(p.line()).isEqualTo(line);
      assertThat(p.toString()).startsWith("gateway.yaml:" + line + ": " + path + ": ");
    });
  }

  @Test
  void noMessageRepeatsACredential() {
    assertThat(problems(ROUTE.replace("http://127.0.0.1", "http://admin:${PW:-s3cret}@127.0.0.1")))
        .allSatisfy(p -> assertThat(p.toString()).doesNotContain("s3cret"));
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    String yaml = """
        limits: { idleTimeout: soon, maxConnections: 0 }
        routes:
          - id: a
            match: { pathPrefix: nope }
            upstream: { targets: [ "gopher://x" ] }
            public: true
          - id: a
            match: { pathPrefix: /b }
            upstream: { targets: [ "http://x:1" ] }
            public: true
        """;
    assertThat(problems(yaml)).extracting(ConfigProblem::path).containsExactlyInAnyOrder(
        "limits.idleTimeout", "limits.maxConnections", "routes[0].match.pathPrefix",
        "routes[0].upstream.targets[0]", "routes[1].id");
  }

  @Test
  void yamlSyntaxErrorsGiveTheLine() {
    List<ConfigProblem> problems = problems("routes:\n  - id: a\n    match: { pathPrefix: /a\n");
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).message()).startsWith("not valid YAML");
    assertThat(problems.get(0).line()).isGreaterThan(1);
  }

  @Test
  void duplicateKeysAreRejected() {
    assertThat(problems("dataDir: a\ndataDir: b\n" + ROUTE))
        .anySatisfy(p -> assertThat(p.message()).contains("duplicate key 'dataDir'"));
  }

  @Test
  void emptyAndNonMappingFilesAreRejected() {
    assertThat(problems("")).singleElement().satisfies(p -> assertThat(p.message()).isEqualTo("the file is empty"));
    assertThat(problems("- a\n- b\n")).singleElement()
        .satisfies(p -> assertThat(p.message()).contains("top level must be a mapping"));
  }

  @Test
  void yamlTagsCannotConstructObjects() {
    String yaml = "dataDir: !!javax.script.ScriptEngineManager [ !!java.net.URLClassLoader [[ !!java.net.URL [\"http://x\"] ]] ]\n"
        + ROUTE;
    assertThat(problems(yaml)).singleElement().satisfies(p -> {
      assertThat(p.message()).startsWith("not valid YAML").contains("tag is not allowed");
      assertThat(p.line()).isEqualTo(1);
    });
  }

  @Test
  void anUnreadableFileIsAProblemNotACrash() {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.<String, String>of()::get))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("cannot read configuration file");
  }

  @Test
  void relativePathsResolveAgainstTheConfigDirectory() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("etc"));
    Files.writeString(sub.resolve("gateway.yaml"), "dataDir: ../state\n" + ROUTE);
    GatewayConfig config = ConfigLoader.load(sub.resolve("gateway.yaml"), Map.<String, String>of()::get);
    assertThat(config.dataDir()).isEqualTo(dir.resolve("state"));
  }
}
