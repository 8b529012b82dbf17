package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.support.AdminClient;
import dev.portcullis.gateway.support.AdminClient.Response;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import dev.portcullis.gateway.audit.AuditTrail;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The IAM admin API against a real gateway (H2 store, Hazelcast member, TLS admin listener), every
 * response checked against the OpenAPI document it serves: each resource's happy path, the
 * validation errors, the refusals by tenant and by permission, privilege escalation, the ETag
 * conflict and the bootstrap token.
 */
class AdminApiTest {

  @TempDir
  static Path dir;
  static Backends backends;
  static TestGateway gateway;
  static String bootstrapToken = "pcl_" + Secrets.random256();
  /** The bootstrap token's client: iam-admin of every tenant. */
  static AdminClient root;
  static AdminClient anonymous;
  static final java.util.concurrent.atomic.AtomicInteger REPORT_HITS = new java.util.concurrent.atomic.AtomicInteger();

  @BeforeAll
  static void start() {
    backends = new Backends();
    gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        routes:
          - id: app
            match: { pathPrefix: /app }
            upstream: { targets: [ "%s" ] }
            authentication: required
          - id: reports
            match: { pathPrefix: /reports }
            upstream: { targets: [ "%2$s" ] }
            policies:
              - test-decision: { decision: allow }
              - test-decision: { decision: deny, tag: second }
        """.formatted(backends.echo(), backends.counting(REPORT_HITS)), Map.of(AdminApi.BOOTSTRAP_ENV, bootstrapToken));
    root = AdminClient.of(gateway, bootstrapToken);
    anonymous = root.as(null);
  }

  @AfterAll
  static void stop() {
    try {
      // each operation of these parts of the API was called here (and its answer checked against the document)
      assertThat(AdminClient.called()).containsAll(root.contract().operationIds(Set.of("tenants", "users", "groups",
          "roles", "bindings", "tokens", "sessions", "tools", "network-sets")));
    } finally {
      gateway.close();
      backends.close();
    }
  }

  // ---- helpers

  static String userId(String username) {
    Response page = root.get("/admin/v1/users?q=" + username);
    return page.json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(u -> u.getString("username").equals(username)).findFirst().orElseThrow().getString("id");
  }

  static JsonObject createUser(String tenant, String username, String password) {
    JsonObject body = new JsonObject().put("tenant", tenant).put("username", username)
        .put("email", username + "@" + tenant + ".example").put("displayName", username);
    if (password != null) {
      body.put("password", password);
    }
    Response created = root.post("/admin/v1/users", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json();
  }

  static void bind(String role, String userId) {
    Response bound = root.post("/admin/v1/bindings", new JsonObject().put("role", role).put("user", userId)
        .put("reason", "test"));
    assertThat(bound.status()).as(bound.body()).isEqualTo(201);
  }

  /** An admin client for a new user of {@code tenant} holding {@code role}. */
  static AdminClient adminOf(String tenant, String username, String role, List<String> scopes) {
    String id = createUser(tenant, username, null).getString("id");
    bind(role, id);
    Response token = root.post("/admin/v1/users/" + id + "/tokens", new JsonObject().put("name", "admin")
        .put("scopes", new JsonArray(scopes)));
    assertThat(token.status()).as(token.body()).isEqualTo(201);
    return root.as(token.json().getString("secret"));
  }

  static void assertProblem(Response response, int status, String key, String detailMentions) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.raw().headers().firstValue("Content-Type")).contains("application/problem+json");
    assertThat(response.key()).isEqualTo(key);
    if (detailMentions != null) {
      assertThat(response.detail()).contains(detailMentions);
    }
  }

  // ---- bootstrap and who am I

  @Test
  void theBootstrapTokenIsAnIamAdminOfTheSystemTenantForADay() {
    Response me = root.get("/admin/v1/me");
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().getString("tenant")).isEqualTo("system");
    assertThat(me.json().getJsonArray("roles")).containsExactly("iam-admin");
    assertThat(me.json().getJsonArray("permissions").getList()).contains("iam:write", "iam:all-tenants");
    String bootstrapUser = me.json().getString("subject");
    Response tokens = root.get("/admin/v1/users/" + bootstrapUser + "/tokens");
    Instant expires = Instant.parse(tokens.json().getJsonArray("items").getJsonObject(0).getString("expiresAt"));
    assertThat(expires).isBetween(Instant.now().plus(23, ChronoUnit.HOURS), Instant.now().plus(25, ChronoUnit.HOURS));
  }

  @Test
  void requestsWithoutAValidCredentialAreRefused() {
    assertProblem(anonymous.get("/admin/v1/users"), 401, "AUTHENTICATION_REQUIRED", "API token");
    assertProblem(root.as("pcl_" + Secrets.random256()).get("/admin/v1/users"), 401, "INVALID_TOKEN",
        "unknown API token");
    assertProblem(root.as("not-a-token").get("/admin/v1/users"), 401, "INVALID_TOKEN", null);
  }

  // ---- tenants

  @Test
  void tenantsAreCreatedWithTheBuiltInAdminRolesRenamedUnderIfMatchAndPaged() {
    Response created = root.post("/admin/v1/tenants", new JsonObject().put("id", "initech").put("name", "Initech"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.etag()).isEqualTo("\"1\"");
    Response roles = root.get("/admin/v1/roles?tenant=initech");
    assertThat(roles.json().getJsonArray("items").stream().map(r -> ((JsonObject) r).getString("name")).toList())
        .containsExactlyInAnyOrder("tenant-admin", "approver", "auditor"); // iam-admin: the system tenant only

    assertProblem(root.post("/admin/v1/tenants", new JsonObject().put("id", "initech").put("name", "Again")), 409,
        "CONFLICT", "initech");
    assertProblem(root.post("/admin/v1/tenants", new JsonObject().put("id", "Bad Id").put("name", "x")), 400,
        "INVALID_FIELD", "id:");
    assertProblem(root.post("/admin/v1/tenants", new JsonObject().put("id", "x1").put("name", "x").put("plan", "gold")),
        400, "UNKNOWN_FIELD", "'plan'");

    assertProblem(root.patch("/admin/v1/tenants/initech", new JsonObject().put("name", "Initech Corp"), null), 428,
        "PRECONDITION_REQUIRED", "If-Match");
    Response renamed = root.patch("/admin/v1/tenants/initech", new JsonObject().put("name", "Initech Corp"),
        created.etag());
    assertThat(renamed.status()).isEqualTo(200);
    assertThat(renamed.etag()).isEqualTo("\"2\"");
    assertProblem(root.patch("/admin/v1/tenants/initech", new JsonObject().put("name", "Lost update"),
        created.etag()), 412, "PRECONDITION_FAILED", "\"2\"");
    assertThat(root.get("/admin/v1/tenants/initech").json().getString("name")).isEqualTo("Initech Corp");

    Response first = root.get("/admin/v1/tenants?limit=1");
    assertThat(first.json().getJsonArray("items")).hasSize(1);
    String next = first.json().getString("next");
    assertThat(next).isNotNull();
    Response second = root.get("/admin/v1/tenants?limit=1&cursor=" + next);
    assertThat(second.json().getJsonArray("items").getJsonObject(0).getString("id"))
        .isGreaterThan(first.json().getJsonArray("items").getJsonObject(0).getString("id"));
    assertProblem(root.get("/admin/v1/tenants?cursor=forged"), 400, "INVALID_PARAMETER", "cursor");
    assertProblem(root.get("/admin/v1/tenants?limit=0"), 400, "INVALID_PARAMETER", "limit");
    assertProblem(root.get("/admin/v1/tenants?sort=name"), 400, "UNKNOWN_PARAMETER", "'sort'");
  }

  // ---- users

  @Test
  void aUserIsCreatedReadUpdatedDisabledEnabledAndDeleted() {
    JsonObject user = createUser("acme", "wile", "wile-e-coyote-long-password");
    String id = user.getString("id");
    assertThat(user.getBoolean("hasPassword")).isTrue();
    assertThat(user.getString("status")).isEqualTo("active");

    Browserless browser = new Browserless(gateway.url(""));
    assertThat(browser.login("wile", "wile-e-coyote-long-password", "/app/x").statusCode()).isEqualTo(303);
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(200);

    Response read = root.get("/admin/v1/users/" + id);
    Response updated = root.patch("/admin/v1/users/" + id, new JsonObject().put("displayName", "Wile E."),
        read.etag());
    assertThat(updated.status()).isEqualTo(200);
    assertThat(updated.json().getString("displayName")).isEqualTo("Wile E.");
    assertThat(updated.json().getString("email")).isEqualTo("wile@acme.example");

    Response disabled = root.post("/admin/v1/users/" + id + "/disable", null);
    assertThat(disabled.json().getString("status")).isEqualTo("disabled");
    assertThat(browser.get("/app/x").statusCode()).as("the session ended at once").isEqualTo(401);
    assertThat(root.get("/admin/v1/users?tenant=acme&status=disabled").json().getJsonArray("items").stream()
        .map(u -> ((JsonObject) u).getString("username")).toList()).contains("wile");
    assertThat(root.post("/admin/v1/users/" + id + "/enable", null).json().getString("status")).isEqualTo("active");

    assertThat(root.delete("/admin/v1/users/" + id).status()).isEqualTo(204);
    assertProblem(root.get("/admin/v1/users/" + id), 404, "NOT_FOUND", id);
  }

  @Test
  void badUserInputIsRefusedNamingTheFieldAndChangesNothing() {
    assertProblem(root.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", "weak")
        .put("password", "short")), 400, "INVALID_FIELD", "password:");
    assertProblem(root.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", "bad name")),
        400, "INVALID_FIELD", "username:");
    assertProblem(root.post("/admin/v1/users", new JsonObject().put("tenant", "nowhere").put("username", "x")), 400,
        "INVALID_FIELD", "tenant 'nowhere' does not exist");
    assertProblem(root.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", 42)), 400,
        "INVALID_FIELD", "username: must be a string");
    assertThat(root.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", 42)).json()
        .getString("field")).as("the field, for clients to point at").isEqualTo("username");
    assertThat(root.get("/admin/v1/users?limit=0").json().getString("field")).isEqualTo("limit");
    assertProblem(root.call("POST", "/admin/v1/users", "{not json", Map.of()), 400, "INVALID_BODY", "not valid JSON");
    assertProblem(root.call("POST", "/admin/v1/users", "[]", Map.of()), 400, "INVALID_BODY", "JSON object");
    assertProblem(root.call("POST", "/admin/v1/users", "username=x", Map.of("Content-Type",
        "application/x-www-form-urlencoded")), 415, "UNSUPPORTED_MEDIA_TYPE", "application/json");
    assertProblem(root.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", "demo")), 409,
        "CONFLICT", "already exists");
    assertThat(root.get("/admin/v1/users?q=weak").json().getJsonArray("items")).isEmpty();
    assertThat(root.get("/admin/v1/users?q=bad").json().getJsonArray("items")).isEmpty();
  }

  @Test
  void twoAdminsCannotSilentlyOverwriteEachOther() {
    String id = createUser("acme", "roadrunner", null).getString("id");
    String etag = root.get("/admin/v1/users/" + id).etag();
    Response first = root.patch("/admin/v1/users/" + id, new JsonObject().put("displayName", "Beep"), etag);
    assertThat(first.status()).isEqualTo(200);
    Response second = root.patch("/admin/v1/users/" + id, new JsonObject().put("displayName", "Meep"), etag);
    assertProblem(second, 412, "PRECONDITION_FAILED", "changed by someone else");
    assertThat(root.get("/admin/v1/users/" + id).json().getString("displayName")).isEqualTo("Beep");
    assertProblem(root.patch("/admin/v1/users/" + id, new JsonObject().put("displayName", "x"), "W/\"1\""), 400,
        "INVALID_HEADER", "If-Match");
  }

  @Test
  void aNewPasswordEndsTheSessionsAndTheOldPasswordStopsWorking() {
    String id = createUser("acme", "elmer", "elmer-fudd-long-password").getString("id");
    Browserless browser = new Browserless(gateway.url(""));
    browser.login("elmer", "elmer-fudd-long-password", "/app/x");
    assertThat(root.put("/admin/v1/users/" + id + "/password", new JsonObject().put("password",
        "wabbit-season-long-password"), null).status()).isEqualTo(204);
    assertThat(browser.get("/app/x").statusCode()).isEqualTo(401);
    assertThat(new Browserless(gateway.url("")).login("elmer", "elmer-fudd-long-password", "/app/x")
        .statusCode()).isEqualTo(401); // the login page again, with an error
    assertThat(new Browserless(gateway.url("")).login("elmer", "wabbit-season-long-password", "/app/x")
        .statusCode()).isEqualTo(303);
    assertProblem(root.put("/admin/v1/users/" + id + "/password", new JsonObject().put("password", "elmer"), null),
        400, "INVALID_FIELD", "password:");
  }

  @Test
  void anAdminCannotDisableOrDeleteTheirOwnAccount() {
    String me = root.get("/admin/v1/me").json().getString("subject");
    assertProblem(root.post("/admin/v1/users/" + me + "/disable", null), 409, "SELF_LOCKOUT", "your own account");
    assertProblem(root.delete("/admin/v1/users/" + me), 409, "SELF_LOCKOUT", "your own account");
  }

  @Test
  void resetTotpAndUnlockAreJournaled() {
    String id = createUser("acme", "daffy", "daffy-duck-long-password").getString("id");
    Response reset = root.delete("/admin/v1/users/" + id + "/totp");
    assertThat(reset.status()).isEqualTo(200);
    assertThat(reset.json().getBoolean("removed")).isFalse();
    assertThat(root.post("/admin/v1/users/" + id + "/unlock", null).status()).isEqualTo(204);
    String pseudonym = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym(id));
    List<String> actions = AuditTrail.matching(dir.resolve("data/audit"), r -> pseudonym.equals(r.path("target").asText()))
        .stream().map(r -> r.path("type").asText()).toList();
    assertThat(actions).contains("admin.user-create", "admin.mfa-reset", "admin.user-unlock");
  }

  // ---- sessions and tokens

  @Test
  void anAdminListsAUsersSessionsAndRevokesOneOrAll() {
    String id = createUser("acme", "porky", "porky-pig-long-password").getString("id");
    Browserless first = new Browserless(gateway.url(""));
    first.login("porky", "porky-pig-long-password", "/app/x");
    Browserless second = new Browserless(gateway.url(""));
    second.login("porky", "porky-pig-long-password", "/app/x");
    Response sessions = root.get("/admin/v1/users/" + id + "/sessions");
    JsonArray items = sessions.json().getJsonArray("items");
    assertThat(items).hasSize(2);
    assertThat(items.getJsonObject(0).getJsonObject("methods").fieldNames()).containsExactly("pwd");
    assertThat(sessions.body()).doesNotContain(first.cookies().values()).doesNotContain(second.cookies().values());

    String firstRef = dev.portcullis.gateway.identity.session.SessionStore.ref(first.cookies()
        .get(dev.portcullis.gateway.identity.GatewayCookies.SESSION));
    assertThat(items.stream().map(i -> ((JsonObject) i).getString("ref")).toList()).contains(firstRef);
    assertThat(root.delete("/admin/v1/users/" + id + "/sessions/" + firstRef).status()).isEqualTo(204);
    assertThat(first.get("/app/x").statusCode()).isEqualTo(401);
    assertThat(second.get("/app/x").statusCode()).isEqualTo(200);
    assertProblem(root.delete("/admin/v1/users/" + id + "/sessions/0000000000000000"), 404, "NOT_FOUND", "session");

    assertThat(root.delete("/admin/v1/users/" + id + "/sessions").status()).isEqualTo(204);
    assertThat(second.get("/app/x").statusCode()).isEqualTo(401);
    assertThat(root.get("/admin/v1/users/" + id + "/sessions").json().getJsonArray("items")).isEmpty();
  }

  @Test
  void aTokenIsShownOnceWorksWithinItsScopesAndStopsWhenRevoked() {
    String id = createUser("acme", "tweety", null).getString("id");
    bind("auditor", id);
    Response created = root.post("/admin/v1/users/" + id + "/tokens", new JsonObject().put("name", "ci")
        .put("scopes", new JsonArray().add("audit:read")));
    String secret = created.json().getString("secret");
    String tokenId = created.json().getJsonObject("token").getString("id");
    AdminClient tweety = root.as(secret);
    assertThat(tweety.get("/admin/v1/me").json().getJsonArray("permissions")).containsExactly("audit:read");
    Response listed = root.get("/admin/v1/users/" + id + "/tokens");
    assertThat(listed.body()).doesNotContain(secret);
    assertThat(listed.json().getJsonArray("items").getJsonObject(0).getString("name")).isEqualTo("ci");

    assertProblem(root.post("/admin/v1/users/" + id + "/tokens", new JsonObject().put("name", "more")
        .put("scopes", new JsonArray().add("iam:write"))), 400, "INVALID_FIELD", "does not hold iam:write");
    assertProblem(root.post("/admin/v1/users/" + id + "/tokens", new JsonObject().put("name", "forever")
        .put("scopes", new JsonArray().add("audit:read")).put("expiresAt", "2099-01-01T00:00:00Z")), 400,
        "INVALID_FIELD", "expiresAt:");

    assertThat(root.delete("/admin/v1/users/" + id + "/tokens/" + tokenId).status()).isEqualTo(204);
    assertProblem(tweety.get("/admin/v1/me"), 401, "INVALID_TOKEN", "revoked");
    assertProblem(root.delete("/admin/v1/users/" + id + "/tokens/" + tokenId), 409, "ALREADY_REVOKED", null);
    assertThat(AuditTrail.raw(dir.resolve("data/audit"))).doesNotContain(secret).doesNotContain(bootstrapToken);
  }

  // ---- groups, roles, bindings

  @Test
  void groupsRolesAndTimedBindingsGiveTheirPermissionsAndAreTakenBack() {
    Response role = root.post("/admin/v1/roles", new JsonObject().put("tenant", "acme").put("name", "ledger-reader")
        .put("description", "reads the ledger").put("permissions", new JsonArray().add("ledger:read")));
    assertThat(role.status()).isEqualTo(201);
    String roleId = role.json().getString("id");
    Response group = root.post("/admin/v1/groups", new JsonObject().put("tenant", "acme").put("name", "Finance"));
    String groupId = group.json().getString("id");
    String user = createUser("acme", "bugs", null).getString("id");
    assertThat(root.put("/admin/v1/groups/" + groupId + "/members/" + user, new JsonObject(), null).status())
        .isEqualTo(204);
    assertThat(root.get("/admin/v1/groups/" + groupId + "/members").json().getJsonArray("items").getJsonObject(0)
        .getString("username")).isEqualTo("bugs");
    Instant until = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    Response binding = root.post("/admin/v1/bindings", new JsonObject().put("role", "ledger-reader")
        .put("group", groupId).put("validUntil", until.toString()).put("reason", "quarter close"));
    assertThat(binding.status()).as(binding.body()).isEqualTo(201);
    assertThat(binding.json().getBoolean("active")).isTrue();
    assertThat(root.get("/admin/v1/bindings/" + binding.json().getString("id")).json().getString("validUntil"))
        .isEqualTo(until.toString());
    assertThat(dryRunPermissions("bugs")).contains("ledger:read");

    Response updated = root.patch("/admin/v1/roles/" + roleId, new JsonObject().put("permissions",
        new JsonArray().add("ledger:read").add("ledger:export")), role.etag());
    assertThat(updated.json().getJsonArray("permissions")).containsExactly("ledger:export", "ledger:read");
    assertThat(dryRunPermissions("bugs")).contains("ledger:export");

    assertThat(root.get("/admin/v1/bindings?group=" + groupId).json().getJsonArray("items")).hasSize(1);
    assertThat(root.delete("/admin/v1/bindings/" + binding.json().getString("id")).status()).isEqualTo(204);
    assertThat(dryRunPermissions("bugs")).doesNotContain("ledger:read");

    assertThat(root.delete("/admin/v1/groups/" + groupId + "/members/" + user).status()).isEqualTo(204);
    assertProblem(root.delete("/admin/v1/groups/" + groupId + "/members/" + user), 404, "NOT_FOUND", "membership");
    assertThat(root.get("/admin/v1/groups?tenant=acme").json().getJsonArray("items").stream()
        .map(g -> ((JsonObject) g).getString("id")).toList()).contains(groupId);
    Response renamed = root.patch("/admin/v1/groups/" + groupId, new JsonObject().put("name", "Finance team"),
        root.get("/admin/v1/groups/" + groupId).etag());
    assertThat(renamed.json().getString("name")).isEqualTo("Finance team");
    assertThat(root.delete("/admin/v1/groups/" + groupId).status()).isEqualTo(204);
    assertThat(root.delete("/admin/v1/roles/" + roleId).status()).isEqualTo(204);
    assertProblem(root.get("/admin/v1/roles/" + roleId), 404, "NOT_FOUND", null);
  }

  @Test
  void bindingsAndRolesRefuseBadInput() {
    String user = createUser("acme", "marvin", null).getString("id");
    assertProblem(root.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", user)
        .put("validUntil", "2020-01-01T00:00:00Z").put("reason", "x")), 400, "INVALID_FIELD", "validUntil:");
    assertProblem(root.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", user)
        .put("reason", "x").put("validFrom", "tomorrow")), 400, "INVALID_FIELD", "validFrom:");
    assertProblem(root.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", user)),
        400, "INVALID_FIELD", "reason:");
    assertProblem(root.post("/admin/v1/bindings", new JsonObject().put("role", "no-such-role").put("user", user)
        .put("reason", "x")), 400, "INVALID_FIELD", "no role 'no-such-role'");
    assertProblem(root.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("reason", "x")),
        400, "INVALID_FIELD", "exactly one holder");
    assertProblem(root.post("/admin/v1/roles", new JsonObject().put("tenant", "acme").put("name", "wild")
        .put("permissions", new JsonArray().add("records:*"))), 400, "INVALID_FIELD", "permissions[0]:");
    assertProblem(root.post("/admin/v1/roles", new JsonObject().put("tenant", "acme").put("name", "tenant-admin")
        .put("permissions", new JsonArray().add("iam:read"))), 409, "BUILTIN_ROLE", "built-in");
    String builtin = root.get("/admin/v1/roles?tenant=acme").json().getJsonArray("items").stream()
        .map(JsonObject.class::cast).filter(r -> r.getBoolean("builtin")).findFirst().orElseThrow().getString("id");
    assertProblem(root.patch("/admin/v1/roles/" + builtin, new JsonObject().put("description", "mine"), "\"1\""), 409,
        "BUILTIN_ROLE", "cannot be changed");
    assertProblem(root.delete("/admin/v1/roles/" + builtin), 409, "BUILTIN_ROLE", null);
    assertThat(root.get("/admin/v1/bindings?user=" + user).json().getJsonArray("items")).isEmpty();
  }

  // ---- least privilege for administrators

  @Test
  void aTenantAdminReachesOnlyItsOwnTenant() {
    AdminClient acmeAdmin = adminOf("acme", "acme-admin", "tenant-admin", List.of("iam:read", "iam:write"));
    String globexUser = userId("globex-demo");
    assertThat(acmeAdmin.get("/admin/v1/users").json().getJsonArray("items").stream()
        .map(u -> ((JsonObject) u).getString("tenant")).distinct().toList()).containsExactly("acme");
    assertProblem(acmeAdmin.get("/admin/v1/users?tenant=globex"), 403, "TENANT_FORBIDDEN", "'globex'");
    assertProblem(acmeAdmin.get("/admin/v1/users/" + globexUser), 403, "TENANT_FORBIDDEN", null);
    assertProblem(acmeAdmin.post("/admin/v1/users/" + globexUser + "/disable", null), 403, "TENANT_FORBIDDEN", null);
    assertProblem(acmeAdmin.post("/admin/v1/users", new JsonObject().put("tenant", "globex").put("username",
        "spy")), 403, "TENANT_FORBIDDEN", null);
    assertProblem(acmeAdmin.post("/admin/v1/tenants", new JsonObject().put("id", "mine").put("name", "Mine")), 403,
        "PERMISSION_REQUIRED", "iam:all-tenants");
    assertThat(acmeAdmin.get("/admin/v1/tenants").json().getJsonArray("items").stream()
        .map(t -> ((JsonObject) t).getString("id")).toList()).containsExactly("acme");
    Response own = acmeAdmin.post("/admin/v1/users", new JsonObject().put("username", "acme-new"));
    assertThat(own.status()).isEqualTo(201);
    assertThat(own.json().getString("tenant")).isEqualTo("acme");
    assertThat(root.get("/admin/v1/users/" + userId("globex-demo")).json().getString("status")).isEqualTo("active");
  }

  @Test
  void anAdminCanNeverGrantWhatTheyDoNotHold() {
    AdminClient acmeAdmin = adminOf("acme", "acme-admin2", "tenant-admin", List.of("iam:read", "iam:write",
        "audit:read"));
    String self = acmeAdmin.get("/admin/v1/me").json().getString("subject");
    assertProblem(acmeAdmin.post("/admin/v1/bindings", new JsonObject().put("role", "iam-admin").put("user", self)
        .put("reason", "promotion")), 400, "INVALID_FIELD", "no role 'iam-admin'"); // not in a customer tenant
    assertProblem(acmeAdmin.post("/admin/v1/bindings", new JsonObject().put("role", "tenant-admin").put("user", self)
        .put("reason", "forever")), 403, "SELF_GRANT", "yourself");
    assertProblem(acmeAdmin.post("/admin/v1/roles", new JsonObject().put("name", "super")
        .put("permissions", new JsonArray().add("iam:all-tenants"))), 400, "INVALID_FIELD", "reserved");
    assertProblem(acmeAdmin.post("/admin/v1/roles", new JsonObject().put("name", "self-approver")
        .put("permissions", new JsonArray().add("approval:records"))), 400, "INVALID_FIELD", "access request");
    assertProblem(acmeAdmin.post("/admin/v1/roles", new JsonObject().put("name", "reader-plus")
        .put("permissions", new JsonArray().add("records:read"))), 403, "PRIVILEGE_ESCALATION", "records:read");
    String strong = createUser("acme", "acme-boss", "acme-boss-long-password").getString("id");
    bind("records-admin", strong);
    assertProblem(acmeAdmin.put("/admin/v1/users/" + strong + "/password", new JsonObject().put("password",
        "taken-over-long-password"), null), 403, "PRIVILEGE_ESCALATION", "records:write");
    assertProblem(acmeAdmin.delete("/admin/v1/users/" + strong + "/sessions"), 403, "PRIVILEGE_ESCALATION", null);
    assertProblem(acmeAdmin.post("/admin/v1/users/" + strong + "/tokens", new JsonObject().put("name", "mine")
        .put("scopes", new JsonArray().add("iam:read"))), 403, "PRIVILEGE_ESCALATION", null);
    assertProblem(acmeAdmin.delete("/admin/v1/users/" + strong + "/totp"), 403, "PRIVILEGE_ESCALATION", null);
    assertThat(new Browserless(gateway.url("")).login("acme-boss", "acme-boss-long-password", "/app/x")
        .statusCode()).isEqualTo(303);
  }

  @Test
  void aTimeBoundAdminGrantsNoLongerThanItHoldsAndNeverToItself() {
    String boundedId = createUser("acme", "temp-admin", null).getString("id");
    Instant until = Instant.now().plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
    assertThat(root.post("/admin/v1/bindings", new JsonObject().put("role", "tenant-admin").put("user", boundedId)
        .put("validUntil", until.toString()).put("reason", "cover for a colleague")).status()).isEqualTo(201);
    assertThat(root.post("/admin/v1/bindings", new JsonObject().put("role", "records-admin").put("user", boundedId)
        .put("validUntil", until.toString()).put("reason", "cover for a colleague")).status()).isEqualTo(201);
    AdminClient bounded = root.as(root.post("/admin/v1/users/" + boundedId + "/tokens", new JsonObject()
        .put("name", "t").put("scopes", new JsonArray().add("iam:read").add("iam:write").add("records:read")
            .add("records:write"))).json().getString("secret"));
    String other = createUser("acme", "helped", null).getString("id");

    assertProblem(bounded.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", other)
        .put("reason", "forever")), 403, "PRIVILEGE_ESCALATION", until.toString());
    assertThat(bounded.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", other)
        .put("validUntil", until.minus(1, ChronoUnit.HOURS).toString()).put("reason", "within mine")).status())
        .isEqualTo(201);
    assertProblem(bounded.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader")
        .put("user", boundedId).put("validUntil", until.minus(1, ChronoUnit.HOURS).toString()).put("reason", "me")),
        403, "SELF_GRANT", null);
    String group = root.post("/admin/v1/groups", new JsonObject().put("tenant", "acme").put("name", "Temps"))
        .json().getString("id");
    assertProblem(bounded.put("/admin/v1/groups/" + group + "/members/" + boundedId, new JsonObject(), null), 403,
        "SELF_GRANT", null);

    // widening a role hands the new permission to its holders for as long as their bindings last
    Response forever = root.post("/admin/v1/roles", new JsonObject().put("tenant", "acme").put("name", "desk-forever")
        .put("permissions", new JsonArray().add("records:read")));
    bindUntil("desk-forever", other, null);
    assertProblem(bounded.patch("/admin/v1/roles/" + forever.json().getString("id"), new JsonObject()
        .put("permissions", new JsonArray().add("records:read").add("records:write")), forever.etag()), 403,
        "PRIVILEGE_ESCALATION", until.toString());
    assertThat(root.get("/admin/v1/roles/" + forever.json().getString("id")).json().getJsonArray("permissions"))
        .containsExactly("records:read");
    Response brief = root.post("/admin/v1/roles", new JsonObject().put("tenant", "acme").put("name", "desk-brief")
        .put("permissions", new JsonArray().add("records:read")));
    bindUntil("desk-brief", other, until.minus(1, ChronoUnit.HOURS));
    assertThat(bounded.patch("/admin/v1/roles/" + brief.json().getString("id"), new JsonObject()
        .put("permissions", new JsonArray().add("records:read").add("records:write")), brief.etag()).status())
        .as("every binding of this role ends before the admin's own grant").isEqualTo(200);
  }

  private static void bindUntil(String role, String userId, Instant validUntil) {
    JsonObject body = new JsonObject().put("role", role).put("user", userId).put("reason", "test");
    if (validUntil != null) {
      body.put("validUntil", validUntil.toString());
    }
    Response bound = root.post("/admin/v1/bindings", body);
    assertThat(bound.status()).as(bound.body()).isEqualTo(201);
  }

  @Test
  void aScheduledGrantAlreadyCountsAsTheAccountsStrength() {
    AdminClient acmeAdmin = adminOf("acme", "acme-admin3", "tenant-admin", List.of("iam:read", "iam:write"));
    String future = createUser("acme", "next-month-admin", "next-month-long-password").getString("id");
    assertThat(root.post("/admin/v1/bindings", new JsonObject().put("role", "records-admin").put("user", future)
        .put("validFrom", Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString())
        .put("reason", "starts next month")).status()).isEqualTo(201);
    assertProblem(acmeAdmin.put("/admin/v1/users/" + future + "/password", new JsonObject().put("password",
        "taken-over-long-password"), null), 403, "PRIVILEGE_ESCALATION", "records:write");
  }

  @Test
  void unknownPathsWrongMethodsAndBearerJwtsAreProblemsToo() {
    // (sent around AdminClient: the document rightly has no such operations)
    var missing = dev.portcullis.gateway.support.Https.send(dev.portcullis.gateway.support.Https.client(),
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.adminUrl("/admin/v1/nothing-here")))
            .header("Authorization", "Bearer " + bootstrapToken).build());
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.headers().firstValue("Content-Type")).contains("application/problem+json");
    var wrongMethod = dev.portcullis.gateway.support.Https.send(dev.portcullis.gateway.support.Https.client(),
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.adminUrl("/admin/v1/me")))
            .method("PUT", java.net.http.HttpRequest.BodyPublishers.ofString("{}"))
            .header("Authorization", "Bearer " + bootstrapToken).build());
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(new JsonObject(wrongMethod.body()).getString("key")).isEqualTo("METHOD_NOT_ALLOWED");
    Response jwt = root.as("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln").get("/admin/v1/me");
    assertProblem(jwt, 401, "INVALID_TOKEN", "not bearer JWTs");
  }

  @Test
  void aDeleteWithAStaleEtagChangesNothing() {
    Response role = root.post("/admin/v1/roles", new JsonObject().put("tenant", "acme").put("name", "short-lived")
        .put("permissions", new JsonArray().add("ledger:read")));
    Response changed = root.patch("/admin/v1/roles/" + role.json().getString("id"), new JsonObject()
        .put("description", "changed meanwhile"), role.etag());
    assertProblem(root.call("DELETE", "/admin/v1/roles/" + role.json().getString("id"), null,
        Map.of("If-Match", role.etag())), 412, "PRECONDITION_FAILED", null);
    assertThat(root.get("/admin/v1/roles/" + role.json().getString("id")).status()).isEqualTo(200);
    java.util.function.Supplier<Long> deleteEvents = () -> AuditTrail.matching(dir.resolve("data/audit"),
        r -> r.path("type").asText().equals("admin.role-delete")
            && r.path("target").asText().equals(role.json().getString("id"))).stream().count();
    assertThat(deleteEvents.get()).as("a refused delete journals nothing").isZero();
    assertThat(root.call("DELETE", "/admin/v1/roles/" + role.json().getString("id"), null,
        Map.of("If-Match", changed.etag())).status()).isEqualTo(204);
    assertThat(deleteEvents.get()).isEqualTo(1);
  }

  @Test
  void networkSetsNeedPowerOverEveryTenantAndChangeUnderIfMatch() {
    AdminClient tenantAdmin = adminOf("acme", "acme-net-admin", "tenant-admin", List.of("iam:read", "iam:write"));
    AdminClient auditor = adminOf("acme", "net-auditor", "auditor", List.of("audit:read"));
    String set = "/admin/v1/network-sets/branch-office";
    JsonObject office = new JsonObject().put("description", "branch office")
        .put("cidrs", new JsonArray().add("192.0.2.0/24"));
    assertProblem(tenantAdmin.put(set, office, null), 403, "PERMISSION_REQUIRED", "every tenant");
    assertProblem(tenantAdmin.get("/admin/v1/network-sets"), 403, "PERMISSION_REQUIRED", "every tenant");
    assertProblem(auditor.put(set, office, null), 403, "PERMISSION_REQUIRED", "iam:write");
    assertThat(root.get(set).status()).as("refusals changed nothing").isEqualTo(404);

    Response created = root.put(set, office, null);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertProblem(root.put(set, office, null), 409, "CONFLICT", "If-Match");
    Response bad = root.put(set, new JsonObject().put("cidrs", new JsonArray().add("192.0.2.0/24")
        .add("192.0.2.300/24")), created.etag());
    assertProblem(bad, 400, "INVALID_FIELD", "cidrs[1]");
    assertThat(bad.json().getString("field")).isEqualTo("cidrs[1]");
    assertThat(root.get(set).json().getJsonArray("cidrs")).containsExactly("192.0.2.0/24");
    assertThat(root.get("/admin/v1/network-sets").json().getJsonArray("items").stream()
        .map(i -> ((JsonObject) i).getString("name")).toList()).contains("branch-office");

    Response replaced = root.put(set, new JsonObject().put("cidrs", new JsonArray().add("198.51.100.0/24")),
        created.etag());
    assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
    assertProblem(root.put(set, office, created.etag()), 412, "PRECONDITION_FAILED", null);
    assertProblem(root.call("DELETE", set, null, Map.of("If-Match", created.etag())), 412, "PRECONDITION_FAILED",
        null);
    assertThat(root.get(set).json().getJsonArray("cidrs")).containsExactly("198.51.100.0/24");
    assertThat(root.call("DELETE", set, null, Map.of("If-Match", replaced.etag())).status()).isEqualTo(204);
    assertThat(root.get(set).status()).isEqualTo(404);
  }

  @Test
  void anAuditorCanReadTheAuditTrailButChangeNothing() {
    AdminClient auditor = adminOf("acme", "auditor1", "auditor", List.of("audit:read"));
    assertThat(auditor.get("/admin/v1/audit/verify").status()).isEqualTo(200);
    assertProblem(auditor.get("/admin/v1/users"), 403, "PERMISSION_REQUIRED", "iam:read");
    assertProblem(auditor.post("/admin/v1/users", new JsonObject().put("username", "sneaky")), 403,
        "PERMISSION_REQUIRED", "iam:write");
    assertProblem(auditor.post("/admin/v1/bindings", new JsonObject().put("role", "auditor").put("user",
        userId("demo")).put("reason", "x")), 403, "PERMISSION_REQUIRED", "iam:write");
  }

  // ---- dry run

  @Test
  void theDryRunSaysWhichPolicyDecidesWithoutForwarding() {
    int before = REPORT_HITS.get();
    Response run = root.post("/admin/v1/dry-run", new JsonObject().put("user", "demo").put("method", "GET")
        .put("path", "/reports/q1"));
    assertThat(run.status()).as(run.body()).isEqualTo(200);
    JsonObject verdict = run.json();
    assertThat(verdict.getString("route")).isEqualTo("reports");
    assertThat(verdict.getString("decision")).isEqualTo("deny");
    assertThat(verdict.getString("decidedBy")).isEqualTo("test-decision");
    assertThat(verdict.getJsonArray("policies").stream().map(p -> ((JsonObject) p).getString("decision")).toList())
        .containsExactly("allow", "deny");
    assertThat(REPORT_HITS.get()).as("nothing was forwarded").isEqualTo(before);

    Response app = root.post("/admin/v1/dry-run", new JsonObject().put("user", "demo").put("path", "/app/x/../y"));
    assertThat(app.json().getString("path")).isEqualTo("/app/y");
    assertThat(app.json().getString("decision")).isEqualTo("allow");
    Response none = root.post("/admin/v1/dry-run", new JsonObject().put("user", "demo").put("path", "/nowhere"));
    assertThat(none.json().getString("decision")).isEqualTo("no-route");
    assertProblem(root.post("/admin/v1/dry-run", new JsonObject().put("user", "nobody-here").put("path", "/app")),
        400, "INVALID_FIELD", "user:");
    assertProblem(root.post("/admin/v1/dry-run", new JsonObject().put("user", "demo").put("path", "/app")
        .put("route", "missing")), 400, "INVALID_FIELD", "route:");
  }

  static Set<String> dryRunPermissions(String user) {
    Response run = root.post("/admin/v1/dry-run", new JsonObject().put("user", user).put("path", "/app"));
    assertThat(run.status()).as(run.body()).isEqualTo(200);
    return new TreeSet<>(run.json().getJsonObject("identity").getJsonArray("permissions").getList());
  }

  // ---- audit of every change

  @Test
  void everyChangeIsAnAdminEventNamingActorTargetAndChangesButNoSecret() {
    String id = createUser("acme", "yosemite", "yosemite-sam-long-password").getString("id");
    root.put("/admin/v1/users/" + id + "/password", new JsonObject().put("password", "varmint-long-password"), null);
    String pseudonym = TestGateway.await(gateway.gateway().identity().iam().auditPseudonym(id));
    var events = AuditTrail.matching(dir.resolve("data/audit"), r -> pseudonym.equals(r.path("target").asText()));
    assertThat(events).extracting(r -> r.path("type").asText()).contains("admin.user-create", "admin.user-password");
    var create = events.stream().filter(r -> r.path("type").asText().equals("admin.user-create")).findFirst()
        .orElseThrow();
    assertThat(create.path("actor").asText()).startsWith("p_");
    assertThat(create.path("tenant").asText()).isEqualTo("acme");
    assertThat(create.path("changes").path("password").asText()).isEqualTo("set");
    assertThat(create.path("changes").path("email").asText()).isEqualTo("set");
    String journal = AuditTrail.raw(dir.resolve("data/audit"));
    assertThat(journal).doesNotContain("yosemite-sam-long-password").doesNotContain("varmint-long-password")
        .doesNotContain("yosemite@acme.example").doesNotContain(id);
  }

  @Test
  void theOpenApiDocumentIsAValidOpenApi31Contract() {
    // OpenAPIContract.from (in AdminClient.of) has already checked it against the 3.1 meta-schema
    assertThat(root.contract().version()).isEqualTo("3.1.0");
    Response served = anonymous.get("/admin/v1/openapi.json");
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.json().getString("openapi")).isEqualTo("3.1.0");
  }
}
