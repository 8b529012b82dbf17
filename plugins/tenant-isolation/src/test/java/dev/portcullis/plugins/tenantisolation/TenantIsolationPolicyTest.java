package dev.portcullis.plugins.tenantisolation;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.RequestView;
import dev.portcullis.plugin.audit.PluginEvent;
import dev.portcullis.plugin.testkit.FakeRequest;
import dev.portcullis.plugin.testkit.PolicyHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the policy against fake requests, through the gateway's option binding. */
class TenantIsolationPolicyTest {

  private static final Decision LOGIN = Decision.challenge("login", "sign in first");
  private static final Decision UNKNOWN = Decision.deny(400, "TENANT_UNKNOWN",
      "the request does not name a tenant this route can check");
  private static final Decision MISMATCH = Decision.deny(403, "TENANT_MISMATCH",
      "this resource belongs to another tenant");
  private static final String PATTERN_ERROR =
      "pattern: must contain {tenant} exactly once as a whole label, e.g. {tenant}.app.example";

  private static final Map<String, Object> HOST = Map.of("from", "host", "pattern", "{tenant}.app.example");
  private static final Map<String, Object> PATH = Map.of("from", "path", "segment", 2);
  private static final Map<String, Object> HEADER = Map.of("from", "header", "header", "X-Tenant");

  private final PolicyHarness<TenantIsolationConfig> harness = PolicyHarness.of(new TenantIsolationPolicyFactory());

  private static Identity of(String tenant) {
    return new Identity("u-1", tenant, Set.of("records-reader"), Set.of("records:read"), Map.of());
  }

  private Decision decide(Map<String, Object> options, FakeRequest request) {
    return harness.evaluate(harness.create(options), request);
  }

  private Decision acme(Map<String, Object> options, FakeRequest request) {
    return decide(options, request.identity(of("acme")));
  }

  // ---- every source

  @Test
  void anAnonymousRequestIsAskedToSignInWhateverItNames() {
    for (Map<String, Object> options : List.of(HOST, PATH, HEADER)) {
      FakeRequest anonymous = FakeRequest.get("/t/acme/x").host("acme.app.example").header("X-Tenant", "acme");
      assertThat(decide(options, anonymous)).as(options.toString()).isEqualTo(LOGIN);
      assertThat(anonymous.auditEvents()).isEmpty();
    }
    assertThat(decide(PATH, FakeRequest.get("/nothing-here"))).isEqualTo(LOGIN);
  }

  @Test
  void anotherTenantIsRefusedAndJournaledAsACrossTenantAttempt() {
    for (Map<String, Object> options : List.of(HOST, PATH, HEADER)) {
      FakeRequest request = FakeRequest.get("/t/globex/x").host("globex.app.example").header("X-Tenant", "globex")
          .identity(of("acme"));
      assertThat(decide(options, request)).as(options.toString()).isEqualTo(MISMATCH);
      assertThat(request.auditEvents()).containsExactly(
          new PluginEvent("cross-tenant", Map.of("requested", "globex", "own", "acme")));
      assertThat(request.upstreamHeaders()).isEmpty();
    }
  }

  @Test
  void theOwnTenantIsAllowedAndNothingIsJournaledOrSet() {
    for (Map<String, Object> options : List.of(HOST, PATH, HEADER)) {
      FakeRequest request = FakeRequest.get("/t/acme/x").host("acme.app.example").header("X-Tenant", "acme")
          .identity(of("acme"));
      assertThat(decide(options, request)).as(options.toString()).isEqualTo(Decision.allow());
      assertThat(request.auditEvents()).isEmpty();
      assertThat(request.upstreamHeaders()).isEmpty();
    }
  }

  @Test
  void anIdentityWithoutATenantIsRefused() {
    FakeRequest request = FakeRequest.get("/t/acme/x").identity(of(null));
    assertThat(decide(PATH, request)).isEqualTo(MISMATCH);
    assertThat(request.auditEvents()).containsExactly(
        new PluginEvent("cross-tenant", Map.of("requested", "acme", "own", "none")));
  }

  @Test
  void aRequestNamingNoTenantIsRefusedWithoutAJournalEntry() {
    FakeRequest request = FakeRequest.get("/t/").identity(of("acme"));
    assertThat(decide(PATH, request)).isEqualTo(UNKNOWN);
    assertThat(request.auditEvents()).isEmpty();
  }

  // ---- from: host

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      acme.app.example             | allow
      acme.app.example:8443        | allow
      ACME.App.EXAMPLE:8443        | allow
      acme.app.example.            | allow
      globex.app.example           | mismatch
      globex.app.example:443       | mismatch
      app.example                  | unknown
      .app.example                 | unknown
      x.acme.app.example           | unknown
      acme.app.example.org         | unknown
      acme.app.example.evil        | unknown
      acme.other.example           | unknown
      acme-app.example             | unknown
      -acme.app.example            | unknown
      acme_1.app.example           | unknown
      localhost                    | unknown
      127.0.0.1                    | unknown
      [::1]:8443                   | unknown
      """)
  void theHostNamesTheTenantInThePatternsPlace(String host, String expected) {
    assertThat(acme(HOST, FakeRequest.get("/").host(host))).isEqualTo(expectation(expected));
  }

  @Test
  void theTenantLabelMayBeAnywhereInTheHostName() {
    Map<String, Object> options = Map.of("from", "host", "pattern", "api.{tenant}.Records.Example");
    assertThat(acme(options, FakeRequest.get("/").host("api.acme.records.example:8443"))).isEqualTo(Decision.allow());
    assertThat(acme(options, FakeRequest.get("/").host("api.globex.records.example"))).isEqualTo(MISMATCH);
    assertThat(acme(options, FakeRequest.get("/").host("www.acme.records.example"))).isEqualTo(UNKNOWN);
    assertThat(acme(options, FakeRequest.get("/").host("acme.records.example"))).isEqualTo(UNKNOWN);
  }

  @Test
  void theHostIsComparedWithoutCaseEvenWhenTheCoreHandsItOverUnfolded() {
    TenantSource.Host source = new TenantSource.Host("", ".app.example");
    assertThat(source.tenant(hostOnly("ACME.APP.Example:8443"))).isEqualTo("acme");
    assertThat(source.tenant(hostOnly("2001:db8::1"))).isNull();
    assertThat(source.tenant(hostOnly(null))).isNull();
  }

  @Test
  void aHostTenantIsAtMost63Characters() {
    String longest = "a".repeat(63);
    assertThat(decide(HOST, FakeRequest.get("/").host(longest + ".app.example").identity(of(longest))))
        .isEqualTo(Decision.allow());
    assertThat(decide(HOST, FakeRequest.get("/").host(longest + "a.app.example").identity(of(longest + "a"))))
        .isEqualTo(UNKNOWN);
  }

  // ---- from: path

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      /t/acme/x           | allow
      /t/acme             | allow
      /t/acme/            | allow
      /t/globex/records/1 | mismatch
      /t/                 | unknown
      /t                  | unknown
      /                   | unknown
      /t/ACME/x           | unknown
      /t/acme;v=1/x       | unknown
      /t/-acme/x          | unknown
      /t/a.cme/x          | unknown
      /acme/t/x           | mismatch
      """)
  void theConfiguredPathSegmentNamesTheTenant(String path, String expected) {
    assertThat(acme(PATH, FakeRequest.get(path))).isEqualTo(expectation(expected));
  }

  @Test
  void theFirstSegmentIsTheDefault() {
    Map<String, Object> options = Map.of("from", "path");
    assertThat(acme(options, FakeRequest.get("/acme/records/1"))).isEqualTo(Decision.allow());
    assertThat(acme(options, FakeRequest.get("/globex/records/1"))).isEqualTo(MISMATCH);
    assertThat(acme(options, FakeRequest.get("/"))).isEqualTo(UNKNOWN);
  }

  @Test
  void aSegmentBeyondTheEndOfThePathNamesNoTenant() {
    Map<String, Object> sixteenth = Map.of("from", "path", "segment", 16);
    assertThat(acme(sixteenth, FakeRequest.get("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/acme"))).isEqualTo(Decision.allow());
    assertThat(acme(sixteenth, FakeRequest.get("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15"))).isEqualTo(UNKNOWN);
    assertThat(acme(Map.of("from", "path", "segment", 3), FakeRequest.get("/t/acme"))).isEqualTo(UNKNOWN);
  }

  // ---- from: header

  @Test
  void theHeaderNamesTheTenant() {
    assertThat(acme(HEADER, FakeRequest.get("/").header("x-tenant", "acme"))).isEqualTo(Decision.allow());
    assertThat(acme(HEADER, FakeRequest.get("/").header("X-Tenant", "globex"))).isEqualTo(MISMATCH);
  }

  @Test
  void aMissingRepeatedOrMalformedHeaderNamesNoTenant() {
    assertThat(acme(HEADER, FakeRequest.get("/"))).isEqualTo(UNKNOWN);
    assertThat(acme(HEADER, FakeRequest.get("/").header("X-Tenant-Id", "acme"))).isEqualTo(UNKNOWN);
    // an upstream proxy that appends instead of overwriting leaves two values: refused
    assertThat(acme(HEADER, FakeRequest.get("/").header("X-Tenant", "acme").header("X-Tenant", "acme")))
        .isEqualTo(UNKNOWN);
    for (String value : List.of("", " acme", "acme ", "ACME", "acme, globex", "acme.example", "-acme", "a".repeat(64))) {
      assertThat(acme(HEADER, FakeRequest.get("/").header("X-Tenant", value))).as("'" + value + "'").isEqualTo(UNKNOWN);
    }
  }

  // ---- options

  @Test
  void validOptionsForEachSource() {
    assertThat(harness.problems(HOST)).isEmpty();
    assertThat(harness.problems(PATH)).isEmpty();
    assertThat(harness.problems(HEADER)).isEmpty();
    assertThat(harness.problems(Map.of("from", "path"))).isEmpty();
    assertThat(harness.problems(Map.of("from", "host", "pattern", "{tenant}"))).isEmpty();
    assertThat(harness.problems(Map.of("from", "host", "pattern", "eu-1.{tenant}.xn--bcher-kva.example"))).isEmpty();
    assertThat(new TenantIsolationPolicyFactory().options()).extracting(o -> o.name() + "=" + o.defaultValue())
        .containsExactly("from=null", "pattern=null", "segment=1", "header=null");
  }

  @Test
  void fromIsRequiredAndOneOfThree() {
    assertThat(harness.problems(Map.of())).containsExactly("from: is required: one of host, path, header");
    assertThat(harness.problems(Map.of("from", "cookie")))
        .containsExactly("from: must be one of host, path, header, got 'cookie'");
    assertThat(harness.problems(Map.of("from", "Host", "pattern", "{tenant}.app.example")))
        .containsExactly("from: must be one of host, path, header, got 'Host'");
    assertThat(harness.problems(Map.of("from", List.of("host")))).containsExactly("from: must be a single value");
  }

  @ParameterizedTest(name = "pattern {0} is refused")
  @ValueSource(strings = {"app.example", "{tenant}-eu.app.example", "eu-{tenant}.app.example",
      "{tenant}.{tenant}.example", "{tenant}.app.{tenant}", "{tenant}app.example", "{tenant.app.example",
      "{tenant}.{region}.example", "{}.app.example", ""})
  void thePatternNeedsExactlyOneWholeTenantLabel(String pattern) {
    assertThat(harness.problems(Map.of("from", "host", "pattern", pattern))).containsExactly(PATTERN_ERROR);
  }

  @Test
  void theRestOfThePatternIsLiteralDnsLabels() {
    assertThat(harness.problems(Map.of("from", "host", "pattern", "{tenant}.app_1.example"))).containsExactly(
        "pattern: 'app_1' in '{tenant}.app_1.example' is not a DNS label (letters, digits and inner hyphens,"
            + " at most 63 characters)");
    assertThat(harness.problems(Map.of("from", "host", "pattern", "{tenant}..example"))).containsExactly(
        "pattern: '' in '{tenant}..example' is not a DNS label (letters, digits and inner hyphens, at most 63 characters)");
    assertThat(harness.problems(Map.of("from", "host", "pattern", "*.{tenant}.example"))).singleElement().asString()
        .startsWith("pattern: '*' in '*.{tenant}.example' is not a DNS label");
    assertThat(harness.problems(Map.of("from", "host", "pattern", "{tenant}.app-.example"))).singleElement().asString()
        .startsWith("pattern: 'app-' in ");
  }

  @Test
  void eachSourceRequiresItsOwnOption() {
    assertThat(harness.problems(Map.of("from", "host")))
        .containsExactly("pattern: is required with from: host, e.g. {tenant}.app.example");
    assertThat(harness.problems(Map.of("from", "header")))
        .containsExactly("header: is required with from: header: the name of the header a trusted proxy sets");
  }

  @ParameterizedTest(name = "segment {0} is refused")
  @ValueSource(ints = {0, -1, 17, 100})
  void theSegmentIsFrom1To16(int segment) {
    assertThat(harness.problems(Map.of("from", "path", "segment", segment)))
        .containsExactly("segment: must be from 1 to 16, got " + segment);
  }

  @Test
  void theHeaderMustBeAHeaderNameOtherThanHost() {
    for (String name : List.of("X Tenant", "X-Tenant:", "", "X-Tenant\r\nX-Evil", "Tenant(id)")) {
      assertThat(harness.problems(Map.of("from", "header", "header", name))).as(name).containsExactly(
          "header: '" + name + "' is not a header name (letters, digits and !#$%&'*+-.^_`|~)");
    }
    assertThat(harness.problems(Map.of("from", "header", "header", "Host")))
        .containsExactly("header: use from: host to take the tenant from the host name");
  }

  @Test
  void optionsOfAnotherSourceAreRefused() {
    assertThat(harness.problems(Map.of("from", "host", "pattern", "{tenant}.app.example", "segment", 2)))
        .containsExactly("segment: only with from: path");
    assertThat(harness.problems(Map.of("from", "path", "header", "X-Tenant")))
        .containsExactly("header: only with from: header");
    assertThat(harness.problems(Map.of("from", "header", "header", "X-Tenant", "pattern", "{tenant}.app.example")))
        .containsExactly("pattern: only with from: host");
    assertThat(harness.problems(Map.of("from", "path", "segment", 2, "pattern", "x", "header", "X-Tenant")))
        .containsExactly("pattern: only with from: host", "header: only with from: header");
  }

  @Test
  void wronglyTypedAndUnknownOptionsAreRefusedNamingTheField() {
    assertThat(harness.problems(Map.of("from", "path", "segment", "second")))
        .containsExactly("segment: must be a number");
    assertThat(harness.problems(Map.of("from", "path", "tenant", "acme"))).singleElement().asString()
        .startsWith("tenant: unknown option 'tenant'; known options: from, header, pattern, segment");
  }

  // ---- helpers

  private static Decision expectation(String name) {
    return switch (name) {
      case "allow" -> Decision.allow();
      case "mismatch" -> MISMATCH;
      default -> UNKNOWN;
    };
  }

  /** A request view that hands the host over exactly as given (the test kit lower-cases it). */
  private static RequestView hostOnly(String host) {
    return new RequestView() {
      @Override
      public String method() {
        return "GET";
      }

      @Override
      public String path() {
        return "/";
      }

      @Override
      public String query() {
        return null;
      }

      @Override
      public String host() {
        return host;
      }

      @Override
      public String header(String name) {
        return null;
      }

      @Override
      public List<String> headers(String name) {
        return List.of();
      }
    };
  }
}
