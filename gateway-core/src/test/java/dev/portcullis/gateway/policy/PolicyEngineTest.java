package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Chain semantics through a real gateway: deny by default, first refusal wins, fail closed, shadow mode. */
class PolicyEngineTest {

  @TempDir
  static Path dir;

  static Backends backends;
  static TestGateway gateway;
  static final AtomicInteger backendHits = new AtomicInteger();

  private static String route(String id, String policies) {
    return """
          - id: %s
            match: { pathPrefix: /%s }
            upstream: { targets: [ "ECHO" ] }
            policyTimeout: 300ms
            policies: %s
        """.formatted(id, id, policies);
  }

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    String counting = backends.counting(backendHits);
    String routes = "routes:\n"
        + route("allow", "[ { test-decision: { decision: allow, tag: passed } } ]")
        + route("deny", "[ { test-decision: { decision: allow } }, { test-decision: { decision: deny } } ]")
        + route("abstain", "[ { test-decision: { decision: abstain } } ]")
        + route("challenge", "[ { test-decision: { decision: challenge } } ]")
        + route("fail", "[ { test-decision: { decision: fail } } ]")
        + route("throw", "[ { test-decision: { decision: throw } } ]")
        + route("null-decision", "[ { test-decision: { decision: \"null\" } } ]")
        + route("hang", "[ { test-decision: { decision: hang } } ]")
        + route("async", "[ { test-decision: { decision: abstain, delayMs: 20 } }, "
            + "{ test-decision: { decision: allow, delayMs: 20 } } ]")
        + route("first-refusal-wins", "[ { test-decision: { decision: deny } }, { test-decision: { decision: throw } } ]")
        + route("shadow", "[ { test-decision: { decision: deny }, mode: shadow }, "
            + "{ test-decision: { decision: hang }, mode: shadow }, { test-decision: { decision: allow } } ]")
        + route("shadow-only", "[ { test-decision: { decision: allow }, mode: shadow } ]")
        + route("counted", "[ { test-decision: { decision: deny } } ]").replace("\"ECHO\"", "\"COUNTING\"")
        + "  - { id: catch-all, match: { pathPrefix: / }, upstream: { targets: [ \"COUNTING\" ] }, public: true }\n";
    gateway = TestGateway.start(dir, TestGateway.header(dir)
        + routes.replace("\"ECHO\"", "\"" + echo + "\"").replace("\"COUNTING\"", "\"" + counting + "\""));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static HttpResponse<String> get(String path) {
    return Https.get(Https.client(), gateway.url(path));
  }

  private static JsonObject problem(HttpResponse<String> response, int status, String key) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
    JsonObject json = new JsonObject(response.body());
    assertThat(json.getString("key")).isEqualTo(key);
    assertThat(response.body()).doesNotContain("Exception", "blew up");
    return json;
  }

  @Test
  void anAllowingChainForwardsWithTheHeadersPoliciesAdded() {
    HttpResponse<String> response = get("/allow/x");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getJsonObject("headers").getJsonArray("x-test-policy").getList())
        .containsExactly("passed");
  }

  @Test
  void theFirstDenyEndsTheChainWithThePolicysStatusAndKey() {
    JsonObject json = problem(get("/deny"), 403, "TEST_DENIED");
    assertThat(json.getString("detail")).isEqualTo("the test policy says no");
  }

  @Test
  void whenNoPolicyAllowsTheRequestIsDenied() {
    problem(get("/abstain"), 403, "ACCESS_DENIED");
  }

  @Test
  void aChallengeIs401WithWwwAuthenticate() {
    HttpResponse<String> response = get("/challenge");
    problem(response, 401, "MFA_REQUIRED");
    assertThat(response.headers().firstValue("www-authenticate")).hasValue(
        "Bearer realm=\"portcullis\", error=\"insufficient_user_authentication\", "
            + "error_description=\"a second factor is needed\"");
  }

  @ParameterizedTest(name = "a policy that does {0} fails closed")
  @CsvSource({"fail", "throw", "null-decision", "hang"})
  void aMisbehavingPolicyFailsClosed(String route) {
    problem(get("/" + route), 503, "POLICY_ERROR");
    String metrics = Https.get(Https.client(), gateway.adminUrl("/metrics")).body();
    assertThat(metrics).contains("portcullis_policy_decisions_total{outcome=\"error\",policy=\"test-decision\",route=\""
        + route + "\"}");
  }

  @Test
  void asynchronousPoliciesAreAwaitedInOrder() {
    assertThat(get("/async").statusCode()).isEqualTo(200);
  }

  @Test
  void laterPoliciesAreNotEvaluatedAfterARefusal() {
    int before = TestDecisionPolicyFactory.EVALUATIONS.get();
    problem(get("/first-refusal-wins"), 403, "TEST_DENIED");
    assertThat(TestDecisionPolicyFactory.EVALUATIONS.get() - before).isEqualTo(1);
  }

  @Test
  void shadowPoliciesAreCountedButNeverEnforced() {
    assertThat(get("/shadow").statusCode()).isEqualTo(200);
    // a shadow allow does not allow: deny by default still holds
    problem(get("/shadow-only"), 403, "ACCESS_DENIED");
    String metrics = Https.get(Https.client(), gateway.adminUrl("/metrics")).body();
    assertThat(metrics)
        .contains("portcullis_policy_decisions_total{outcome=\"shadow_denied\",policy=\"test-decision\",route=\"shadow\"}")
        .contains("portcullis_policy_decisions_total{outcome=\"shadow_error\",policy=\"test-decision\",route=\"shadow\"}")
        .contains("portcullis_policy_decisions_total{outcome=\"allowed\",policy=\"test-decision\",route=\"shadow\"}")
        .contains("portcullis_policy_evaluation_seconds_bucket{policy=\"test-decision\",route=\"shadow\"");
  }

  @Test
  void matrixParametersCannotSlipPastARoutesPolicies() {
    int before = backendHits.get();
    // Tomcat/Jetty/Spring serve /counted;x/y as /counted/y: it must meet the /counted route's deny
    problem(get("/counted;x/y"), 403, "TEST_DENIED");
    problem(get("/counted;jsessionid=1"), 403, "TEST_DENIED");
    assertThat(backendHits.get()).isEqualTo(before);
    assertThat(get("/elsewhere").statusCode()).isEqualTo(200);
  }

  @Test
  void aDeniedRequestNeverReachesTheBackend() {
    int before = backendHits.get();
    problem(get("/counted"), 403, "TEST_DENIED");
    assertThat(backendHits.get()).isEqualTo(before);
  }
}
