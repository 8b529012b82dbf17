package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.admin.AdminApi;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.support.AdminClient;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code portcullis} commands in-process (picocli with its output captured, environment handed in)
 * against one real gateway started with a bootstrap admin token, trusting its self-signed admin
 * certificate through {@code --cacert}: each admin command's effect seen from outside (a sign-in, a
 * binding, a working token, an ended session), the dry run's verdicts and exit codes, config check and
 * audit verify, and every error path with its exit code and message. No run may print the admin token.
 */
class CliTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static final String TOKEN = "pcl_" + Secrets.random256();
  static AdminClient root;
  static Path cacert;

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%1$s" ] }
            authentication: required
          - id: reports
            match: { pathPrefix: /reports }
            upstream: { targets: [ "%1$s" ] }
            policies:
              - test-decision: { decision: allow }
              - test-decision: { decision: deny, tag: second }
          - id: open
            match: { pathPrefix: /open }
            upstream: { targets: [ "%1$s" ] }
            policies:
              - test-decision: { decision: allow }
        """.formatted(echo), Map.of(AdminApi.BOOTSTRAP_ENV, TOKEN));
    root = AdminClient.of(gateway, TOKEN);
    cacert = dir.resolve("data/tls/self-signed-cert.pem");
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  // ---- running a command

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  static Run run(Map<String, String> env, String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Cli cli = new Cli(new CliEnvironment(env::get, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        null, dir.resolve("gateway.yaml"), Clock.systemUTC()));
    cli.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
    Run run = new Run(cli.execute(args), out.toString(), err.toString());
    assertThat(run.out() + run.err()).as("the admin token is never printed").doesNotContain(TOKEN);
    return run;
  }

  /** The admin environment (token, URL) and the admin certificate, then {@code args}. */
  static Run admin(String... args) {
    return adminWithStdin("", args);
  }

  static Run adminWithStdin(String stdin, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--cacert", cacert.toString()));
    return run(adminEnv(), stdin, all.toArray(String[]::new));
  }

  static Map<String, String> adminEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("PORTCULLIS_ADMIN_TOKEN", TOKEN);
    env.put("PORTCULLIS_ADMIN_URL", gateway.adminUrl(""));
    return env;
  }

  static String createUser(String username, String password) {
    JsonObject body = new JsonObject().put("tenant", "acme").put("username", username);
    if (password != null) {
      body.put("password", password);
    }
    AdminClient.Response created = root.post("/admin/v1/users", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("id");
  }

  // ---- user create

  @Test
  void userCreateTakesThePasswordFromStandardInputAndTheUserCanSignIn() {
    Run created = adminWithStdin("alice-in-cli-long-password\n", "user", "create", "--tenant", "acme", "--username",
        "cli-alice", "--email", "alice@acme.example", "--display-name", "Alice", "--password-stdin");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.out()).startsWith("created user cli-alice in tenant acme: id ")
        .doesNotContain("alice-in-cli-long-password");

    Browserless browser = new Browserless(gateway.url(""));
    assertThat(browser.login("cli-alice", "alice-in-cli-long-password", "/app/x").statusCode()).isEqualTo(303);
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);
    JsonObject user = root.get("/admin/v1/users?q=cli-alice").json().getJsonArray("items").getJsonObject(0);
    assertThat(user.getString("email")).isEqualTo("alice@acme.example");
    assertThat(user.getString("displayName")).isEqualTo("Alice");

    Run again = admin("user", "create", "--tenant", "acme", "--username", "cli-alice");
    assertThat(again.exit()).as(again.toString()).isEqualTo(Cli.REFUSED);
    assertThat(again.err()).contains("portcullis user create: the gateway answered 409 CONFLICT: ")
        .contains("already exists");
    Run againJson = admin("user", "create", "--tenant", "acme", "--username", "cli-alice", "--json");
    assertThat(againJson.exit()).isEqualTo(Cli.REFUSED);
    assertThat(new JsonObject(againJson.out()).getString("key")).isEqualTo("CONFLICT");

    Run noPassword = adminWithStdin("", "user", "create", "--username", "cli-empty", "--password-stdin");
    assertThat(noPassword.exit()).isEqualTo(Cli.USAGE);
    assertThat(noPassword.err()).contains("--password-stdin: standard input holds no password");

    Run json = admin("user", "create", "--tenant", "acme", "--username", "cli-sso-only", "--json");
    assertThat(json.exit()).as(json.toString()).isZero();
    assertThat(new JsonObject(json.out()).getBoolean("hasPassword")).isFalse();
  }

  // ---- role bind

  @Test
  void roleBindForEightHoursMakesAnActiveBindingThatEndsThen() {
    String id = createUser("cli-bob", null);
    Instant before = Instant.now();
    Run bound = admin("role", "bind", "--role", "records-admin", "--user", "cli-bob", "--for", "8h", "--reason",
        "on call this weekend");
    assertThat(bound.exit()).as(bound.toString()).isZero();
    assertThat(bound.out()).startsWith("bound role records-admin to user cli-bob until ").contains("(active now)");

    JsonArray bindings = root.get("/admin/v1/bindings?user=" + id).json().getJsonArray("items");
    assertThat(bindings).hasSize(1);
    JsonObject binding = bindings.getJsonObject(0);
    assertThat(binding.getString("role")).isEqualTo("records-admin");
    assertThat(binding.getBoolean("active")).isTrue();
    assertThat(binding.getString("reason")).isEqualTo("on call this weekend");
    assertThat(Instant.parse(binding.getString("validUntil")))
        .isBetween(before.plus(8, ChronoUnit.HOURS), Instant.now().plus(8, ChronoUnit.HOURS));

    Instant from = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
    Run later = admin("role", "bind", "--role", "records-reader", "--user", id, "--valid-from", from.toString(),
        "--valid-until", from.plus(2, ChronoUnit.HOURS).toString(), "--reason", "audit next week", "--json");
    assertThat(later.exit()).as(later.toString()).isZero();
    JsonObject next = new JsonObject(later.out());
    assertThat(next.getBoolean("active")).isFalse();
    assertThat(Instant.parse(next.getString("validFrom"))).isEqualTo(from);
  }

  @Test
  void roleBindChecksItsOptionsBeforeCallingTheGateway() {
    Run badDuration = admin("role", "bind", "--role", "records-admin", "--user", "demo", "--for", "8 hours",
        "--reason", "x");
    assertThat(badDuration.exit()).isEqualTo(Cli.USAGE);
    assertThat(badDuration.err()).contains("Invalid value for option '--for': '8 hours' is not a duration")
        .contains("Usage: portcullis role bind");

    Run notAnInstant = admin("role", "bind", "--role", "records-admin", "--user", "demo", "--valid-until",
        "tomorrow", "--reason", "x");
    assertThat(notAnInstant.exit()).isEqualTo(Cli.USAGE);
    assertThat(notAnInstant.err()).contains("'tomorrow' is not an instant");

    Run past = admin("role", "bind", "--role", "records-admin", "--user", "demo", "--valid-until",
        "2020-01-01T00:00:00Z", "--reason", "x");
    assertThat(past.exit()).isEqualTo(Cli.USAGE);
    assertThat(past.err()).contains("--valid-until (2020-01-01T00:00:00Z) is in the past");

    Run both = admin("role", "bind", "--role", "records-admin", "--user", "demo", "--group", "g1", "--reason", "x");
    assertThat(both.exit()).isEqualTo(Cli.USAGE);
    assertThat(both.err()).contains("mutually exclusive");

    Run untilAndFor = admin("role", "bind", "--role", "records-admin", "--user", "demo", "--for", "1h",
        "--valid-until", "2030-01-01T00:00:00Z", "--reason", "x");
    assertThat(untilAndFor.exit()).isEqualTo(Cli.USAGE);
    assertThat(untilAndFor.err()).contains("mutually exclusive");

    Run noReason = admin("role", "bind", "--role", "records-admin", "--user", "demo");
    assertThat(noReason.exit()).isEqualTo(Cli.USAGE);
    assertThat(noReason.err()).contains("Missing required option: '--reason=TEXT'");
  }

  @Test
  void anUnknownUserNameIsSaidPlainly() {
    Run unknown = admin("role", "bind", "--role", "records-admin", "--user", "nobody-by-this-name", "--reason", "x");
    assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(Cli.REFUSED);
    assertThat(unknown.err()).isEqualTo("portcullis role bind: no user is named 'nobody-by-this-name' (among the "
        + "users this token may see)\n");

    Run unknownId = admin("sessions", "revoke", "--user", "00000000-0000-0000-0000-000000000000");
    assertThat(unknownId.exit()).isEqualTo(Cli.REFUSED);
    assertThat(unknownId.err()).contains("no user has the username or id '00000000-0000-0000-0000-000000000000'");

    Run notAName = admin("token", "create", "--user", "no such user", "--name", "x", "--scope", "records:read");
    assertThat(notAName.exit()).isEqualTo(Cli.USAGE);
    assertThat(notAName.err()).contains("--user: 'no such user' is neither a username nor a user id");
  }

  // ---- token create

  @Test
  void tokenCreatePrintsOnlyTheSecretWhichThenWorks() throws Exception {
    String id = createUser("cli-carol", null);
    root.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", id).put("reason", "t"));
    Run created = admin("token", "create", "--user", "cli-carol", "--name", "ci", "--scope", "records:read",
        "--expires-in", "30d");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.lines()).hasSize(1);
    String secret = created.lines().get(0);
    assertThat(secret).matches("pcl_[A-Za-z0-9_-]{43}");
    assertThat(created.err()).contains("token 'ci'").contains("for user cli-carol, scopes records:read")
        .contains("shown only this once").doesNotContain(secret);

    var response = Https.send(Https.client(), HttpRequest.newBuilder(URI.create(gateway.url("/app/hello")))
        .header("Authorization", "Bearer " + secret).timeout(Duration.ofSeconds(30)).build());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);

    JsonObject token = root.get("/admin/v1/users/" + id + "/tokens").json().getJsonArray("items").getJsonObject(0);
    assertThat(token.getJsonArray("scopes")).containsExactly("records:read");
    assertThat(Instant.parse(token.getString("expiresAt")))
        .isBetween(Instant.now().plus(30, ChronoUnit.DAYS).minus(5, ChronoUnit.MINUTES),
            Instant.now().plus(30, ChronoUnit.DAYS));

    Run badScope = admin("token", "create", "--user", "cli-carol", "--name", "ci", "--scope", "everything");
    assertThat(badScope.exit()).isEqualTo(Cli.REFUSED);
    assertThat(badScope.err()).contains("400 INVALID_FIELD").contains("scopes");
    Run badExpiry = admin("token", "create", "--user", "cli-carol", "--name", "ci", "--scope", "records:read",
        "--expires-in", "soon");
    assertThat(badExpiry.exit()).isEqualTo(Cli.USAGE);
    assertThat(badExpiry.err()).contains("'soon' is not a duration");
  }

  // ---- sessions

  @Test
  void sessionsRevokeEndsOneSessionOrAllOfThem() {
    createUser("cli-dave", "dave-in-cli-long-password");
    Browserless first = new Browserless(gateway.url(""));
    Browserless second = new Browserless(gateway.url(""));
    first.login("cli-dave", "dave-in-cli-long-password", "/app/x");
    assertThat(first.get("/app/x").statusCode()).isEqualTo(200);

    Run listed = admin("sessions", "list", "--user", "cli-dave");
    assertThat(listed.exit()).as(listed.toString()).isZero();
    assertThat(listed.lines()).hasSize(1);
    String ref = listed.lines().get(0).split(" ")[0];
    assertThat(listed.lines().get(0)).contains("created ").contains("pwd");

    Run one = admin("sessions", "revoke", "--user", "cli-dave", "--session", ref);
    assertThat(one.exit()).as(one.toString()).isZero();
    assertThat(one.out()).isEqualTo("revoked session " + ref + " of user cli-dave\n");
    assertThat(first.get("/app/x").statusCode()).isEqualTo(401);
    Run gone = admin("sessions", "revoke", "--user", "cli-dave", "--session", ref);
    assertThat(gone.exit()).isEqualTo(Cli.REFUSED);
    assertThat(gone.err()).contains("404 NOT_FOUND");

    first.login("cli-dave", "dave-in-cli-long-password", "/app/x");
    second.login("cli-dave", "dave-in-cli-long-password", "/app/x");
    assertThat(second.get("/app/x").statusCode()).isEqualTo(200);
    Run all = admin("sessions", "revoke", "--user", "cli-dave");
    assertThat(all.exit()).as(all.toString()).isZero();
    assertThat(all.out()).isEqualTo("revoked every session of user cli-dave\n");
    assertThat(first.get("/app/x").statusCode()).isEqualTo(401);
    assertThat(second.get("/app/x").statusCode()).isEqualTo(401);
  }

  // ---- dry run

  @Test
  void dryRunNamesTheDecidingPolicyAndExitsByTheVerdict() {
    Run denied = admin("dry-run", "--user", "demo", "--path", "/reports/q1");
    assertThat(denied.exit()).as(denied.toString()).isEqualTo(Cli.REFUSED);
    assertThat(denied.lines().get(0)).isEqualTo("DENY 403 TEST_DENIED on route reports, decided by test-decision");
    assertThat(denied.lines()).contains("  test-decision: allow",
        "  test-decision: deny 403 TEST_DENIED - the test policy says no");
    assertThat(denied.out()).contains("tenant acme, roles records-reader, permissions records:read");

    Run allowed = admin("dry-run", "--user", "demo", "--method", "post", "--path", "/open/x");
    assertThat(allowed.exit()).as(allowed.toString()).isZero();
    assertThat(allowed.lines().get(0)).isEqualTo("ALLOW 200 on route open, allowed by test-decision");

    Run elsewhere = admin("dry-run", "--user", "demo", "--path", "/open/x", "--route", "reports");
    assertThat(elsewhere.exit()).isEqualTo(Cli.REFUSED);
    assertThat(elsewhere.out()).contains("note: the request would not reach route reports on its own");

    Run nowhere = admin("dry-run", "--user", "demo", "--path", "/nowhere");
    assertThat(nowhere.exit()).isEqualTo(Cli.REFUSED);
    assertThat(nowhere.lines().get(0)).isEqualTo("NO-ROUTE 404 ROUTE_NOT_FOUND: no route matches GET /nowhere");

    Run json = admin("dry-run", "--user", "demo", "--path", "/reports/q1", "--json", "--auth-method", "pwd",
        "--auth-method", "otp", "--client-address", "192.0.2.7");
    assertThat(json.exit()).isEqualTo(Cli.REFUSED);
    assertThat(new JsonObject(json.out()).getString("decidedBy")).isEqualTo("test-decision");

    Run unknownUser = admin("dry-run", "--user", "nobody-here", "--path", "/open");
    assertThat(unknownUser.exit()).isEqualTo(Cli.REFUSED);
    assertThat(unknownUser.err()).contains("400 INVALID_FIELD").contains("nobody-here");
    Run relative = admin("dry-run", "--user", "demo", "--path", "open");
    assertThat(relative.exit()).isEqualTo(Cli.USAGE);
    assertThat(relative.err()).contains("--path must start with '/'");
  }

  // ---- config check and audit verify

  @Test
  void configCheckReportsTheRouteCountOrEveryProblemWithItsLine() throws Exception {
    Run valid = run(Map.of(), "", "config", "check", "--config", gateway.configFile().toString());
    assertThat(valid.exit()).as(valid.toString()).isZero();
    assertThat(valid.out()).isEqualTo("portcullis: " + gateway.configFile() + " is valid (3 route(s))\n");

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, """
        listeners:
          public: { port: 99999 }
        routes:
          - id: x
            match: { pathPrefix: nope }
            upstream: { targets: [ "http://127.0.0.1:1" ] }
            public: true
        """);
    Run invalid = run(Map.of(), "", "config", "check", "--config", bad.toString());
    assertThat(invalid.exit()).isEqualTo(Cli.FAILED);
    assertThat(invalid.err()).contains(bad + " is not valid:")
        .contains("  " + bad + ":2: listeners.public.port: must be between 0 and 65535, got 99999")
        .contains("  " + bad + ":5: routes[0].match.pathPrefix: must start with '/'");

    Run oldForm = run(Map.of("PORTCULLIS_CONFIG", bad.toString()), "", "--check");
    assertThat(oldForm.exit()).isEqualTo(Cli.FAILED);
    assertThat(oldForm.err()).contains(bad + ":2: listeners.public.port");

    Run missing = run(Map.of(), "", "config", "check", "--config", dir.resolve("missing.yaml").toString());
    assertThat(missing.exit()).isEqualTo(Cli.FAILED);
    assertThat(missing.err()).contains("missing.yaml");
  }

  @Test
  void auditVerifyChecksTheRunningGatewaysJournalOrOneOnDisk() throws Exception {
    admin("dry-run", "--user", "demo", "--path", "/open/x"); // something journaled
    Run remote = admin("audit", "verify", "--remote");
    assertThat(remote.exit()).as(remote.toString()).isZero();
    assertThat(remote.lines().get(0)).startsWith("Journal of " + gateway.adminUrl("") + ": ");
    assertThat(remote.lines()).last().isEqualTo("intact");
    Run remoteJson = admin("audit", "verify", "--remote", "--json");
    assertThat(new JsonObject(remoteJson.out()).getBoolean("intact")).isTrue();

    Path config = dir.resolve("offline/gateway.yaml");
    Files.createDirectories(config.getParent());
    Files.writeString(config, """
        dataDir: data
        listeners: { public: { port: 1 }, admin: { port: 2 } }
        routes:
          - { id: x, match: { pathPrefix: / }, upstream: { targets: [ "http://127.0.0.1:1" ] }, public: true }
        """);
    Path data = config.resolveSibling("data");
    var journal = dev.portcullis.gateway.audit.Journal.open(new dev.portcullis.gateway.audit.Journal.Settings(
        data.resolve("audit"), Duration.ofMillis(2), 1 << 20, Duration.ofDays(1), null, null,
        data.resolve("audit-signing-key.pem"), 1024, Duration.ofMillis(100)), Clock.systemUTC(),
        new dev.portcullis.gateway.audit.EventIds("cli-test"));
    for (int i = 0; i < 3; i++) {
      journal.append(("{\"type\":\"access\",\"path\":\"/p" + i + "\"}").getBytes(StandardCharsets.UTF_8), true)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    journal.close();
    Run intact = run(Map.of(), "", "audit", "verify", "--config", config.toString());
    assertThat(intact.exit()).as(intact.toString()).isZero();
    assertThat(intact.out()).contains("1 segment(s), 4 record(s), seq 1 to 4").endsWith("intact\n");

    Path segment = data.resolve("audit/segment-00000001.jsonl");
    Files.writeString(segment, Files.readString(segment).replace("/p1", "/pX"));
    Run altered = run(Map.of(), "", "audit", "verify", "--config", config.toString());
    assertThat(altered.exit()).isEqualTo(Cli.REFUSED);
    assertThat(altered.out()).contains("PROBLEM segment-00000001.jsonl:2 (seq 2): edited")
        .contains("problem(s): the journal was altered");

    Run mixed = admin("audit", "verify", "--remote", "--config", config.toString());
    assertThat(mixed.exit()).isEqualTo(Cli.USAGE);
  }

  // ---- reaching the gateway

  @Test
  void withoutATokenNothingIsSent() {
    Map<String, String> env = adminEnv();
    env.remove("PORTCULLIS_ADMIN_TOKEN");
    Run none = run(env, "", "dry-run", "--user", "demo", "--path", "/open", "--cacert", cacert.toString());
    assertThat(none.exit()).isEqualTo(Cli.REFUSED);
    assertThat(none.err()).isEqualTo("portcullis dry-run: no API token to present: set $PORTCULLIS_ADMIN_TOKEN or "
        + "pass --token-file FILE (an administrator's pcl_… token)\n");

    env.put("PORTCULLIS_ADMIN_TOKEN", "pcl_" + Secrets.random256());
    Run unknown = run(env, "", "dry-run", "--user", "demo", "--path", "/open", "--cacert", cacert.toString());
    assertThat(unknown.exit()).isEqualTo(Cli.REFUSED);
    assertThat(unknown.err()).contains("the gateway answered 401 INVALID_TOKEN: ");

    Run asArgument = admin("dry-run", "--user", "demo", "--path", "/open", "--token", TOKEN);
    assertThat(asArgument.exit()).isEqualTo(Cli.USAGE);
    assertThat(asArgument.err()).contains("--token is not accepted");
  }

  @Test
  void theTokenCanComeFromAFileReadableByItsOwnerOnly() throws Exception {
    Path file = dir.resolve("admin.token");
    Files.writeString(file, TOKEN + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Map<String, String> env = adminEnv();
    env.remove("PORTCULLIS_ADMIN_TOKEN");
    Run fromFile = run(env, "", "dry-run", "--user", "demo", "--path", "/open/x", "--token-file", file.toString(),
        "--cacert", cacert.toString());
    assertThat(fromFile.exit()).as(fromFile.toString()).isZero();
    assertThat(fromFile.err()).isEmpty();

    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    Run readable = run(env, "", "dry-run", "--user", "demo", "--path", "/open/x", "--token-file", file.toString(),
        "--cacert", cacert.toString());
    assertThat(readable.exit()).isZero();
    assertThat(readable.err()).contains("warning: other users can read the token file " + file);

    Run missing = run(env, "", "dry-run", "--user", "demo", "--path", "/open/x", "--token-file",
        dir.resolve("nope.token").toString(), "--cacert", cacert.toString());
    assertThat(missing.exit()).isEqualTo(Cli.FAILED);
    assertThat(missing.err()).contains("cannot read the token file").contains("nope.token");
  }

  @Test
  void anUnreachableGatewayIsNamedWithTheCause() {
    String url = "https://127.0.0.1:" + Backends.closedPort();
    Run refused = admin("user", "create", "--username", "cli-nobody", "--url", url);
    assertThat(refused.exit()).isEqualTo(Cli.FAILED);
    assertThat(refused.err()).contains("cannot reach the admin API at " + url + ": connection refused");

    Run unknownHost = admin("user", "create", "--username", "cli-nobody", "--url", "https://no-such-host.invalid");
    assertThat(unknownHost.exit()).isEqualTo(Cli.FAILED);
    assertThat(unknownHost.err()).contains("cannot reach the admin API at https://no-such-host.invalid: unknown host "
        + "no-such-host.invalid");

    Run plain = admin("user", "create", "--username", "cli-nobody", "--url", "http://127.0.0.1:9443");
    assertThat(plain.exit()).isEqualTo(Cli.USAGE);
    assertThat(plain.err()).contains("--url must be an https:// URL");

    Run publicListener = admin("dry-run", "--user", "demo", "--path", "/open", "--url", gateway.url(""));
    assertThat(publicListener.exit()).as(publicListener.toString()).isEqualTo(Cli.FAILED);
    assertThat(publicListener.err()).contains("is the gateway's public listener, not its admin listener");
  }

  @Test
  void anUntrustedCertificateIsRefusedUnlessTrustedOrExplicitlyInsecure() throws Exception {
    Run untrusted = run(adminEnv(), "", "dry-run", "--user", "demo", "--path", "/open/x");
    assertThat(untrusted.exit()).isEqualTo(Cli.FAILED);
    assertThat(untrusted.err()).contains("the certificate of " + gateway.adminUrl("") + " is not trusted")
        .contains("--cacert");


    Path notPem = dir.resolve("not.pem");
    Files.writeString(notPem, "hello\n");
    Run badCa = run(adminEnv(), "", "dry-run", "--user", "demo", "--path", "/open/x", "--cacert", notPem.toString());
    assertThat(badCa.exit()).isEqualTo(Cli.FAILED);
    assertThat(badCa.err()).contains(notPem.toString());

    Run insecure = run(adminEnv(), "", "dry-run", "--user", "demo", "--path", "/open/x", "--insecure");
    assertThat(insecure.exit()).as(insecure.toString()).isZero();
    assertThat(insecure.err()).contains("warning: --insecure");

    Map<String, String> env = adminEnv();
    env.put("PORTCULLIS_ADMIN_CACERT", cacert.toString());
    Run fromEnv = run(env, "", "dry-run", "--user", "demo", "--path", "/open/x");
    assertThat(fromEnv.exit()).as(fromEnv.toString()).isZero();
  }

  @Test
  void helpListsEveryCommandAndTheExitCodes() {
    Run help = run(Map.of(), "", "--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("run", "config", "audit", "user", "role", "token", "sessions", "dry-run",
        "Exit status:", "64  the command line is wrong");
    Run group = run(Map.of(), "", "user");
    assertThat(group.exit()).isEqualTo(Cli.USAGE);
    assertThat(group.err()).contains("name a command: create");
    assertThat(new Cli(new CliEnvironment(k -> null, System.in, null, Path.of("x"), Clock.systemUTC()))
        .startsServer()).isTrue();
    Cli cli = new Cli(new CliEnvironment(k -> null, System.in, null, Path.of("x"), Clock.systemUTC()));
    assertThat(cli.startsServer("--config", "x.yaml")).isTrue();
    assertThat(cli.startsServer("run")).isTrue();
    assertThat(cli.startsServer("--check")).isFalse();
    assertThat(cli.startsServer("config", "check")).isFalse();
    assertThat(cli.startsServer("run", "--help")).isFalse();
    assertThat(cli.startsServer("--bogus")).isFalse();
  }
}
