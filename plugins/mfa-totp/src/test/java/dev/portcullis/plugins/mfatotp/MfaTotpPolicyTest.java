package dev.portcullis.plugins.mfatotp;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.testkit.FakeRequest;
import dev.portcullis.plugin.testkit.PolicyHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the policy against fake requests on a fixed clock, through the gateway's option binding. */
class MfaTotpPolicyTest {

  private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static final Decision LOGIN = Decision.challenge("login", "sign in first");
  private static final Decision MISSING = Decision.challenge("mfa", "a second factor is required");

  private final PolicyHarness<MfaTotpConfig> harness = PolicyHarness.of(new MfaTotpPolicyFactory());

  /** An identity with these roles whose methods were proven the given time before {@link #NOW}. */
  private static Identity user(Set<String> roles, Map<String, Duration> provenAgo) {
    Map<String, Instant> methods = new HashMap<>();
    provenAgo.forEach((method, ago) -> methods.put(method, NOW.minus(ago)));
    return new Identity("u-1", "acme", roles, Set.of(), methods);
  }

  private static Identity user(Map<String, Duration> provenAgo) {
    return user(Set.of(), provenAgo);
  }

  private Decision decide(Map<String, Object> options, Identity identity) {
    Policy policy = harness.create(options);
    return harness.evaluate(policy, FakeRequest.get("/").clock(CLOCK).identity(identity));
  }

  @Test
  void anAnonymousRequestIsAskedToSignIn() {
    Policy policy = harness.create(Map.of());
    FakeRequest anonymous = FakeRequest.get("/").clock(CLOCK);
    assertThat(harness.evaluate(policy, anonymous)).isEqualTo(LOGIN);
    assertThat(anonymous.auditEvents()).isEmpty();
  }

  @Test
  void aPasswordAloneIsNotASecondFactor() {
    assertThat(decide(Map.of(), user(Map.of("pwd", Duration.ofMinutes(1))))).isEqualTo(MISSING);
    assertThat(decide(Map.of(), user(Map.of()))).isEqualTo(MISSING);
  }

  @Test
  void byDefaultAnySecondFactorOfTheSessionCountsHoweverOld() {
    FakeRequest request = FakeRequest.get("/").clock(CLOCK)
        .identity(user(Map.of("pwd", Duration.ofHours(30), "otp", Duration.ofHours(30))));
    assertThat(harness.evaluate(harness.create(Map.of()), request)).isEqualTo(Decision.allow());
    assertThat(request.auditEvents()).isEmpty();
  }

  @ParameterizedTest(name = "{0} counts by default: {1}")
  @CsvSource(delimiter = '|', textBlock = """
      otp | true
      rc  | true
      mfa | true
      hwk | false
      swk | false
      pwd | false
      sms | false
      """)
  void defaultMethodsAreOtpRecoveryCodeAndAnIssuersMfa(String method, boolean counts) {
    Decision decision = decide(Map.of(), user(Map.of(method, Duration.ofMinutes(1))));
    assertThat(decision).isEqualTo(counts ? Decision.allow() : MISSING);
  }

  @Test
  void aFreshFactorIsAllowed() {
    assertThat(decide(Map.of("maxAge", "15m"), user(Map.of("pwd", Duration.ofHours(2), "otp", Duration.ofMinutes(3)))))
        .isEqualTo(Decision.allow());
  }

  @Test
  void exactlyMaxAgeIsStillFreshAndOneSecondMoreIsNot() {
    Map<String, Object> options = Map.of("maxAge", "15m");
    assertThat(decide(options, user(Map.of("otp", Duration.ofMinutes(15))))).isEqualTo(Decision.allow());
    assertThat(decide(options, user(Map.of("otp", Duration.ofMinutes(15).plusSeconds(1)))))
        .isEqualTo(Decision.challenge("mfa", "second factor older than 15m"));
  }

  @Test
  void theHintNamesMaxAgeAsConfigured() {
    assertThat(decide(Map.of("maxAge", "90s"), user(Map.of("otp", Duration.ofMinutes(2)))))
        .isEqualTo(Decision.challenge("mfa", "second factor older than 90s"));
    assertThat(decide(Map.of("maxAge", "1d"), user(Map.of("otp", Duration.ofHours(25)))))
        .isEqualTo(Decision.challenge("mfa", "second factor older than 1d"));
  }

  @Test
  void theLatestCountingFactorDecides() {
    Map<String, Object> options = Map.of("maxAge", "15m");
    assertThat(decide(options, user(Map.of("otp", Duration.ofHours(3), "rc", Duration.ofMinutes(1)))))
        .isEqualTo(Decision.allow());
    // a method that does not count cannot freshen an old one
    assertThat(decide(Map.of("maxAge", "15m", "methods", List.of("otp")),
        user(Map.of("otp", Duration.ofHours(3), "rc", Duration.ofMinutes(1)))))
        .isEqualTo(Decision.challenge("mfa", "second factor older than 15m"));
  }

  @Test
  void aFactorProvenInTheFutureCountsAsFresh() {
    assertThat(decide(Map.of("maxAge", "1m"), user(Map.of("otp", Duration.ofSeconds(-90)))))
        .isEqualTo(Decision.allow());
  }

  @Test
  void onlyHoldersOfTheListedRolesAreChecked() {
    Map<String, Object> options = Map.of("maxAge", "15m", "roles", List.of("finance", "auditor"));
    Map<String, Duration> passwordOnly = Map.of("pwd", Duration.ofMinutes(1));
    assertThat(decide(options, user(Set.of("staff", "finance"), passwordOnly))).isEqualTo(MISSING);
    assertThat(decide(options, user(Set.of("auditor"), Map.of("otp", Duration.ofMinutes(1)))))
        .isEqualTo(Decision.allow());
    assertThat(decide(options, user(Set.of("staff"), passwordOnly))).isEqualTo(Decision.abstain());
    assertThat(decide(options, user(Set.of(), passwordOnly))).isEqualTo(Decision.abstain());
    // a role filter does not let anonymous requests through
    assertThat(harness.evaluate(harness.create(options), FakeRequest.get("/").clock(CLOCK))).isEqualTo(LOGIN);
  }

  @Test
  void methodsChoosesWhatCountsAsASecondFactor() {
    Identity recoveryCode = user(Map.of("pwd", Duration.ofMinutes(2), "rc", Duration.ofMinutes(1)));
    assertThat(decide(Map.of(), recoveryCode)).isEqualTo(Decision.allow());
    assertThat(decide(Map.of("methods", List.of("otp")), recoveryCode)).isEqualTo(MISSING);
    assertThat(decide(Map.of("methods", List.of("otp")), user(Map.of("otp", Duration.ofMinutes(1)))))
        .isEqualTo(Decision.allow());
    assertThat(decide(Map.of("methods", List.of("hwk", "swk")), user(Map.of("hwk", Duration.ofMinutes(1)))))
        .isEqualTo(Decision.allow());
  }

  @Test
  void requireFalseAbstainsForEveryone() {
    Policy policy = harness.create(Map.of("require", false, "maxAge", "15m", "roles", List.of("finance")));
    assertThat(harness.evaluate(policy, FakeRequest.get("/").clock(CLOCK))).isEqualTo(Decision.abstain());
    assertThat(harness.evaluate(policy, FakeRequest.get("/").clock(CLOCK)
        .identity(user(Set.of("finance"), Map.of("pwd", Duration.ofMinutes(1)))))).isEqualTo(Decision.abstain());
    assertThat(decide(Map.of("require", true), user(Map.of("pwd", Duration.ofMinutes(1))))).isEqualTo(MISSING);
  }

  @Test
  void noOptionsAreValidAndDocumentTheirDefaults() {
    assertThat(harness.problems(Map.of())).isEmpty();
    assertThat(new MfaTotpPolicyFactory().options()).extracting(o -> o.name() + "=" + o.defaultValue())
        .containsExactly("require=true", "maxAge=null", "roles=null", "methods=[otp, rc, mfa]");
  }

  @ParameterizedTest(name = "maxAge {0} is accepted")
  @ValueSource(strings = {"1m", "60s", "60000ms", "15m", "1h", "12h", "24h", "1d", "86400000ms"})
  void maxAgeAcceptsDurationsFromOneMinuteTo24h(String maxAge) {
    assertThat(harness.problems(Map.of("maxAge", maxAge))).isEmpty();
  }

  @ParameterizedTest(name = "maxAge {0} is refused")
  @ValueSource(strings = {"0s", "0", "15", "15 min", "-5m", "1.5h", "30s", "59999ms", "25h", "2d", "86400001ms", "",
      "soon"})
  void maxAgeRefusesWhatIsNotADurationFromOneMinuteTo24h(String maxAge) {
    assertThat(harness.problems(Map.of("maxAge", maxAge))).containsExactly(
        "maxAge: must be a duration from 1m to 24h such as 15m or 12h, got '" + maxAge + "'");
  }

  @Test
  void invalidOptionsAreRefusedNamingTheField() {
    assertThat(harness.problems(Map.of("require", "maybe"))).containsExactly("require: must be true or false");
    assertThat(harness.problems(Map.of("maxAge", List.of("15m")))).containsExactly("maxAge: must be a single value");
    assertThat(harness.problems(Map.of("roles", "finance"))).containsExactly("roles: must be a list");
    assertThat(harness.problems(Map.of("roles", List.of()))).containsExactly(
        "roles: needs at least one role name (leave the option out to check every user)");
    assertThat(harness.problems(Map.of("roles", List.of("finance", " ")))).containsExactly("roles[1]: must not be empty");
    assertThat(harness.problems(Map.of("methods", "otp"))).containsExactly("methods: must be a list");
    assertThat(harness.problems(Map.of("methods", List.of()))).containsExactly(
        "methods: needs at least one method (with none, no second factor could ever count)");
    assertThat(harness.problems(Map.of("methods", List.of("otp", "sms", "pwd")))).containsExactly(
        "methods[1]: 'sms' is not a second-factor method; known methods: otp, rc, mfa, hwk, swk",
        "methods[2]: 'pwd' is not a second-factor method; known methods: otp, rc, mfa, hwk, swk");
    assertThat(harness.problems(Map.of("maxAge", "15m", "max_age", "15m"))).singleElement().asString()
        .startsWith("max_age: unknown option 'max_age'; known options: maxAge, methods, require, roles");
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    assertThat(harness.problems(Map.of("maxAge", "48h", "roles", List.of(""), "methods", List.of("OTP"))))
        .containsExactly(
            "maxAge: must be a duration from 1m to 24h such as 15m or 12h, got '48h'",
            "roles[0]: must not be empty",
            "methods[0]: 'OTP' is not a second-factor method; known methods: otp, rc, mfa, hwk, swk");
  }
}
