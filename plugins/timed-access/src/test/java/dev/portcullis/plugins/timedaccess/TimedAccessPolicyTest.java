package dev.portcullis.plugins.timedaccess;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.audit.PluginEvent;
import dev.portcullis.plugin.testkit.FakeRequest;
import dev.portcullis.plugin.testkit.PolicyHarness;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Socket-free: the policy against fake requests on fixed clocks, through the gateway's option binding. */
class TimedAccessPolicyTest {

  private static final String OFFICE = "Mon-Fri 08:00-18:00 Europe/Copenhagen";
  private static final String KEY = "OUTSIDE_TIME_WINDOW";
  private static final Decision LOGIN = Decision.challenge("login", "sign in first");

  /** Monday 2026-06-01 10:00 CEST (UTC+2) = 08:00 UTC: office hours. */
  private static final Instant MONDAY_MORNING = Instant.parse("2026-06-01T08:00:00Z");
  /** Saturday 2026-06-06 10:00 CEST = 08:00 UTC: the office is closed. */
  private static final Instant SATURDAY_MORNING = Instant.parse("2026-06-06T08:00:00Z");

  private final PolicyHarness<TimedAccessConfig> harness = PolicyHarness.of(new TimedAccessPolicyFactory());

  private static Identity user(String... roles) {
    return new Identity("u-1", "acme", Set.of(roles), Set.of(), Map.of("pwd", MONDAY_MORNING.minusSeconds(60)));
  }

  private static FakeRequest at(Instant instant) {
    return FakeRequest.get("/").clock(Clock.fixed(instant, ZoneOffset.UTC));
  }

  private Decision decide(Map<String, Object> options, FakeRequest request) {
    return harness.evaluate(harness.create(options), request);
  }

  private static Decision closed(String message) {
    return Decision.deny(403, KEY, message);
  }

  // ---- route-wide window

  @Test
  void insideTheWindowIsAllowedWithoutAnAuditEvent() {
    FakeRequest request = at(MONDAY_MORNING);
    assertThat(decide(Map.of("window", OFFICE), request)).isEqualTo(Decision.allow());
    assertThat(request.auditEvents()).isEmpty();
  }

  @Test
  void outsideTheWindowIsDeniedSayingWhenItIsOpenAndJournaled() {
    FakeRequest request = at(SATURDAY_MORNING);
    assertThat(decide(Map.of("window", OFFICE), request))
        .isEqualTo(closed("this route is closed now; it is open Mon-Fri 08:00-18:00 Europe/Copenhagen"));
    // opens again Monday 2026-06-08 08:00 CEST = 06:00 UTC
    assertThat(request.auditEvents()).containsExactly(new PluginEvent("outside-window",
        Map.of("window", OFFICE, "retryAt", "2026-06-08T06:00:00Z")));
  }

  @Test
  void aWindowAppliesToAnonymousRequestsToo() {
    assertThat(decide(Map.of("window", OFFICE), at(MONDAY_MORNING))).isEqualTo(Decision.allow());
    assertThat(decide(Map.of("window", OFFICE), at(SATURDAY_MORNING).identity(user("admin"))))
        .isEqualTo(closed("this route is closed now; it is open " + OFFICE));
  }

  @Test
  void insideAnyOfSeveralWindowsIsEnough() {
    Map<String, Object> options = Map.of("window", List.of(OFFICE, "Sat 09:00-12:00 Europe/Copenhagen"));
    assertThat(decide(options, at(MONDAY_MORNING))).isEqualTo(Decision.allow());
    assertThat(decide(options, at(SATURDAY_MORNING))).isEqualTo(Decision.allow()); // 10:00 CEST Saturday
    FakeRequest sunday = at(Instant.parse("2026-06-07T08:00:00Z"));
    assertThat(decide(options, sunday)).isEqualTo(closed("this route is closed now; it is open " + OFFICE
        + " or Sat 09:00-12:00 Europe/Copenhagen"));
    // the earliest opening of the two: Monday 08:00 CEST
    assertThat(sunday.auditEvents().get(0).details()).containsEntry("retryAt", "2026-06-08T06:00:00Z")
        .containsEntry("window", OFFICE + " or Sat 09:00-12:00 Europe/Copenhagen");
  }

  @Test
  void theConfiguredMessageReplacesTheDefault() {
    Map<String, Object> options = Map.of("window", OFFICE, "message", "  Payroll is open on weekdays.  ");
    assertThat(decide(options, at(SATURDAY_MORNING))).isEqualTo(closed("Payroll is open on weekdays."));
    assertThat(decide(Map.of("roles", Map.of("payroll", OFFICE), "message", "Payroll is open on weekdays."),
        at(SATURDAY_MORNING).identity(user("payroll")))).isEqualTo(closed("Payroll is open on weekdays."));
  }

  @Test
  void aNightWindowAcrossTheFallBackNightCountsTheRepeatedHour() {
    // 02:30 happens twice on Sunday 2026-10-25 in Berlin: 00:30 UTC (CEST, +02) and 01:30 UTC (CET, +01)
    Map<String, Object> options = Map.of("window", "Mon-Sun 22:00-06:00 Europe/Berlin");
    assertThat(decide(options, at(Instant.parse("2026-10-25T00:30:00Z")))).isEqualTo(Decision.allow());
    assertThat(decide(options, at(Instant.parse("2026-10-25T01:30:00Z")))).isEqualTo(Decision.allow());
    // 06:00 CET = 05:00 UTC closes it; 05:59 CET = 04:59 UTC is still inside
    assertThat(decide(options, at(Instant.parse("2026-10-25T04:59:00Z")))).isEqualTo(Decision.allow());
    assertThat(decide(options, at(Instant.parse("2026-10-25T05:00:00Z"))))
        .isEqualTo(closed("this route is closed now; it is open Mon-Sun 22:00-06:00 Europe/Berlin"));
  }

  @Test
  void officeHoursTheMondayAfterEachJump() {
    Map<String, Object> copenhagen = Map.of("window", OFFICE);
    // Monday 2026-03-30 (CEST, +02): 07:59 local = 05:59 UTC, 08:00 local = 06:00 UTC
    assertThat(decide(copenhagen, at(Instant.parse("2026-03-30T05:59:00Z")))).isInstanceOf(Decision.Deny.class);
    assertThat(decide(copenhagen, at(Instant.parse("2026-03-30T06:00:00Z")))).isEqualTo(Decision.allow());
    // Monday 2026-10-26 (CET, +01): 07:59 local = 06:59 UTC, 08:00 local = 07:00 UTC
    assertThat(decide(copenhagen, at(Instant.parse("2026-10-26T06:59:00Z")))).isInstanceOf(Decision.Deny.class);
    assertThat(decide(copenhagen, at(Instant.parse("2026-10-26T07:00:00Z")))).isEqualTo(Decision.allow());
    Map<String, Object> newYork = Map.of("window", "Mon-Fri 08:00-18:00 America/New_York");
    // Monday 2026-03-09 (EDT, -04): 07:59 local = 11:59 UTC, 08:00 local = 12:00 UTC
    assertThat(decide(newYork, at(Instant.parse("2026-03-09T11:59:00Z")))).isInstanceOf(Decision.Deny.class);
    assertThat(decide(newYork, at(Instant.parse("2026-03-09T12:00:00Z")))).isEqualTo(Decision.allow());
    // Monday 2026-11-02 (EST, -05): 07:59 local = 12:59 UTC, 08:00 local = 13:00 UTC
    assertThat(decide(newYork, at(Instant.parse("2026-11-02T12:59:00Z")))).isInstanceOf(Decision.Deny.class);
    assertThat(decide(newYork, at(Instant.parse("2026-11-02T13:00:00Z")))).isEqualTo(Decision.allow());
  }

  // ---- per-role windows

  private static Map<String, Object> onCallAndOffice() {
    Map<String, Object> roles = new LinkedHashMap<>();
    roles.put("oncall", "Mon-Sun 00:00-24:00 UTC");
    roles.put("staff", OFFICE);
    roles.put("weekend", List.of("Sat 10:00-14:00 UTC", "Sun 10:00-14:00 UTC"));
    return Map.of("roles", roles);
  }

  @Test
  void anAnonymousRequestIsAskedToSignInWhenRolesAreChecked() {
    FakeRequest anonymous = at(MONDAY_MORNING);
    assertThat(decide(onCallAndOffice(), anonymous)).isEqualTo(LOGIN);
    assertThat(anonymous.auditEvents()).isEmpty();
  }

  @Test
  void aListedRoleInsideItsWindowIsAllowed() {
    assertThat(decide(onCallAndOffice(), at(MONDAY_MORNING).identity(user("staff")))).isEqualTo(Decision.allow());
    assertThat(decide(onCallAndOffice(), at(SATURDAY_MORNING).identity(user("oncall")))).isEqualTo(Decision.allow());
    // Saturday 08:00 UTC is before the weekend role's 10:00 UTC, 10:00 UTC is inside
    assertThat(decide(onCallAndOffice(), at(SATURDAY_MORNING.plusSeconds(7200)).identity(user("weekend"))))
        .isEqualTo(Decision.allow());
  }

  @Test
  void anyHeldListedRoleInsideItsWindowIsEnough() {
    assertThat(decide(onCallAndOffice(), at(SATURDAY_MORNING).identity(user("staff", "oncall"))))
        .isEqualTo(Decision.allow());
  }

  @Test
  void heldListedRolesAllOutsideTheirWindowsAreDeniedWithTheirWindows() {
    FakeRequest request = at(SATURDAY_MORNING).identity(user("staff", "weekend", "records-reader"));
    assertThat(decide(onCallAndOffice(), request)).isEqualTo(closed("this route is closed now; it is open "
        + OFFICE + " or Sat 10:00-14:00 UTC or Sun 10:00-14:00 UTC"));
    // the weekend role opens first, at 10:00 UTC the same Saturday
    assertThat(request.auditEvents()).containsExactly(new PluginEvent("outside-window",
        Map.of("window", "roles", "retryAt", "2026-06-06T10:00:00Z")));
  }

  @Test
  void rolesThatAreNotListedDoNotCount() {
    FakeRequest request = at(MONDAY_MORNING).identity(user("records-reader", "admin"));
    assertThat(decide(onCallAndOffice(), request)).isEqualTo(closed("you hold no role that may use this route"));
    assertThat(request.auditEvents()).containsExactly(new PluginEvent("outside-window", Map.of("window", "roles")));
    assertThat(decide(onCallAndOffice(), at(MONDAY_MORNING).identity(user())))
        .isEqualTo(closed("you hold no role that may use this route"));
  }

  @Test
  void aRouteWindowAndRoleWindowsMustBothBeOpen() {
    Map<String, Object> options = Map.of("window", OFFICE, "roles", Map.of("oncall", "Mon-Sun 00:00-24:00 UTC"));
    assertThat(decide(options, at(MONDAY_MORNING).identity(user("oncall")))).isEqualTo(Decision.allow());
    assertThat(decide(options, at(MONDAY_MORNING).identity(user("staff"))))
        .isEqualTo(closed("you hold no role that may use this route"));
    // a closed route is refused before anyone is asked to sign in
    FakeRequest anonymous = at(SATURDAY_MORNING);
    assertThat(decide(options, anonymous)).isEqualTo(closed("this route is closed now; it is open " + OFFICE));
    assertThat(anonymous.auditEvents().get(0).details()).containsEntry("window", OFFICE);
    assertThat(decide(options, at(MONDAY_MORNING))).isEqualTo(LOGIN);
  }

  @Test
  void aLongWindowListIsClippedInTheAuditEvent() {
    List<String> many = java.util.stream.IntStream.range(0, 20)
        .mapToObj(i -> "Sun %02d:00-%02d:30 Europe/Copenhagen".formatted(i, i)).toList();
    FakeRequest request = at(MONDAY_MORNING);
    assertThat(decide(Map.of("window", many), request)).isInstanceOf(Decision.Deny.class);
    String window = request.auditEvents().get(0).details().get("window");
    assertThat(window).hasSize(256).startsWith("Sun 00:00-00:30 Europe/Copenhagen or ").endsWith("…");
  }

  // ---- configuration errors

  @Test
  void aValidConfigurationHasNoProblems() {
    assertThat(harness.problems(Map.of("window", OFFICE))).isEmpty();
    assertThat(harness.problems(Map.of("window", List.of(OFFICE, "Sat,Sun 10:00-14:00 UTC"),
        "roles", Map.of("oncall", List.of("Mon-Sun 22:00-06:00 Europe/Berlin")), "message", "closed"))).isEmpty();
    assertThat(harness.problems(onCallAndOffice())).isEmpty();
  }

  @Test
  void windowOrRolesIsRequired() {
    assertThat(harness.problems(Map.of()))
        .containsExactly("window: required unless roles is given, e.g. 'Mon-Fri 08:00-18:00 Europe/Copenhagen'");
    assertThat(harness.problems(Map.of("message", "closed")))
        .containsExactly("window: required unless roles is given, e.g. 'Mon-Fri 08:00-18:00 Europe/Copenhagen'");
  }

  @Test
  void everyWindowErrorNamesTheOptionAndIndex() {
    assertThat(harness.problems(Map.of("window", List.of(OFFICE, "Mon-Fry 08:00-18:00 UTC"))))
        .containsExactly("window[1]: 'Mon-Fry 08:00-18:00 UTC': unknown day 'Fry' (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
    assertThat(harness.problems(Map.of("window", "08:00-18:00 UTC")))
        .containsExactly("window: '08:00-18:00 UTC': must be '<days> <HH:MM>-<HH:MM> <zone>'");
    assertThat(harness.problems(Map.of("window", "Mon-Fri 08:00-08:00 UTC"))).containsExactly(
        "window: 'Mon-Fri 08:00-08:00 UTC': an empty window (start and end are both 08:00; 00:00-24:00 is a whole day)");
    assertThat(harness.problems(Map.of("roles", Map.of("oncall", "Mon-Sun 00:00-24:00 Europe/Copenhagn"))))
        .containsExactly("roles.oncall: 'Mon-Sun 00:00-24:00 Europe/Copenhagn': unknown time zone 'Europe/Copenhagn'");
    assertThat(harness.problems(Map.of("roles", Map.of("oncall", List.of("Mon-Sun 00:00-24:00 UTC", "Sun 9:00-10:00 UTC")))))
        .containsExactly("roles.oncall[1]: 'Sun 9:00-10:00 UTC': '9:00' is not a time of day (HH:MM from 00:00 to 23:59)");
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    Map<String, Object> roles = new LinkedHashMap<>();
    roles.put("oncall", "Mon-Sun 00:00-24:00 Mars/Olympus");
    roles.put("staff", List.of());
    assertThat(harness.problems(Map.of("window", List.of("Mon 08:00-18:00", "Tue 18:00-25:00 UTC"), "roles", roles,
        "message", " ")))
        .containsExactly(
            "window[0]: 'Mon 08:00-18:00': must be '<days> <HH:MM>-<HH:MM> <zone>'",
            "window[1]: 'Tue 18:00-25:00 UTC': '25:00' is not a time of day (HH:MM from 00:00 to 24:00)",
            "roles.oncall: 'Mon-Sun 00:00-24:00 Mars/Olympus': unknown time zone 'Mars/Olympus'",
            "roles.staff: needs at least one window such as 'Mon-Fri 08:00-18:00 Europe/Copenhagen'",
            "message: must not be empty (leave the option out for the default message)");
  }

  @Test
  void wronglyShapedOptionsAreRefused() {
    assertThat(harness.problems(Map.of("window", 5)))
        .containsExactly("window: must be a window such as 'Mon-Fri 08:00-18:00 Europe/Copenhagen' or a list of them");
    assertThat(harness.problems(Map.of("window", Map.of("days", "Mon"))))
        .containsExactly("window: must be a window such as 'Mon-Fri 08:00-18:00 Europe/Copenhagen' or a list of them");
    assertThat(harness.problems(Map.of("window", List.of())))
        .containsExactly("window: needs at least one window such as 'Mon-Fri 08:00-18:00 Europe/Copenhagen'");
    assertThat(harness.problems(Map.of("window", List.of(OFFICE, List.of("Mon")))))
        .containsExactly("window[1]: must be a window such as 'Mon-Fri 08:00-18:00 Europe/Copenhagen'");
    assertThat(harness.problems(Map.of("roles", List.of("oncall")))).containsExactly("roles: must be a mapping");
    assertThat(harness.problems(Map.of("roles", Map.of())))
        .containsExactly("roles: needs at least one role with its window (leave the option out to use window alone)");
    Map<String, Object> noWindow = new HashMap<>();
    noWindow.put("oncall", null);
    assertThat(harness.problems(Map.of("roles", noWindow))).containsExactly(
        "roles.oncall: must be a window such as 'Mon-Fri 08:00-18:00 Europe/Copenhagen' or a list of them");
    assertThat(harness.problems(Map.of("roles", Map.of(" ", OFFICE))))
        .containsExactly("roles: a role name must not be empty");
    assertThat(harness.problems(Map.of("windows", OFFICE)))
        .containsExactly("windows: unknown option 'windows'; known options: message, roles, window");
  }

  @Test
  void theMessageIsAtMost200Characters() {
    assertThat(harness.problems(Map.of("window", OFFICE, "message", "x".repeat(200)))).isEmpty();
    assertThat(harness.problems(Map.of("window", OFFICE, "message", "x".repeat(201))))
        .containsExactly("message: must be at most 200 characters, got 201");
  }

  @Test
  void theFactoryDescribesItsOptions() {
    TimedAccessPolicyFactory factory = new TimedAccessPolicyFactory();
    assertThat(factory.id()).isEqualTo("timed-access");
    assertThat(factory.options()).extracting(o -> o.name()).containsExactly("window", "roles", "message");
    Policy policy = harness.create(Map.of("window", OFFICE));
    assertThat(policy).isNotNull();
  }
}
