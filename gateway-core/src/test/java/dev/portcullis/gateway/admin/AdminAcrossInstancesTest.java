package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.support.AdminClient;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of one cluster sharing one store: what an admin changes on one is in force on the
 * other within a second — a revoked session or token, a disabled or deleted user's sessions and
 * tokens, a role's new permission — and so is a new configuration file rolled out to both.
 */
class AdminAcrossInstancesTest {

  @TempDir
  Path dir;

  @Test
  void changesMadeOnOneInstanceHoldOnTheOtherWithinASecond() throws Exception {
    int portA = ForkedGateway.freePort();
    int portB = ForkedGateway.freePort();
    String members = "  members: [ \"127.0.0.1:" + portA + "\", \"127.0.0.1:" + portB + "\" ]";
    String jdbc = "jdbc:h2:mem:admin-cluster-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    String token = "pcl_" + Secrets.random256();
    try (Backends backends = new Backends()) {
      String routes = """
          routes:
            - id: app
              match: { pathPrefix: /app }
              upstream: { targets: [ "%s" ] }
              authentication: required
          """.formatted(backends.echo());
      Path dirA = Files.createDirectories(dir.resolve("a"));
      Path dirB = Files.createDirectories(dir.resolve("b"));
      try (TestGateway a = TestGateway.start(dirA, TestGateway.header(dirA) + IdentityYaml.of(jdbc, portA, "",
              members) + routes, Map.of(AdminApi.BOOTSTRAP_ENV, token));
          TestGateway b = TestGateway.start(dirB, TestGateway.header(dirB) + IdentityYaml.of(jdbc, portB, "",
              members) + routes, Map.of(AdminApi.BOOTSTRAP_ENV, token))) {
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
            b.gateway().identity().hazelcast().getCluster().getMembers().size() == 2);
        AdminClient onA = AdminClient.of(a, token);
        AdminClient onB = AdminClient.of(b, token);
        assertThat(onB.get("/admin/v1/me").status()).as("one bootstrap admin for both").isEqualTo(200);

        String id = onA.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", "mobile")
            .put("password", "mobile-user-long-password")).json().getString("id");
        assertThat(onA.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", id)
            .put("reason", "test")).status()).isEqualTo(201);
        String secret = onA.post("/admin/v1/users/" + id + "/tokens", new JsonObject().put("name", "t")
            .put("scopes", new JsonArray().add("records:read"))).json().getString("secret");
        AdminClient userOnB = onB.as(secret);
        assertThat(userOnB.get("/admin/v1/me").status()).isEqualTo(200); // cached on B now

        Browserless browserOnB = new Browserless(b.url(""));
        assertThat(browserOnB.login("mobile", "mobile-user-long-password", "/app/x").statusCode()).isEqualTo(303);
        assertThat(browserOnB.get("/app/x").statusCode()).isEqualTo(200);

        String roleId = onA.get("/admin/v1/roles?tenant=acme").json().getJsonArray("items").stream()
            .map(JsonObject.class::cast).filter(r -> r.getString("name").equals("records-reader")).findFirst()
            .orElseThrow().getString("id");
        String etag = onA.get("/admin/v1/roles/" + roleId).etag();
        assertThat(onA.patch("/admin/v1/roles/" + roleId, new JsonObject().put("permissions", new JsonArray()
            .add("records:read").add("records:export")), etag).status()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> onB.post("/admin/v1/dry-run",
            new JsonObject().put("user", "mobile").put("path", "/app/x")).json().getJsonObject("identity")
            .getJsonArray("permissions").contains("records:export"));

        // one session and one token revoked on A: refused on B, the user's others still work there
        Browserless secondOnB = new Browserless(b.url(""));
        assertThat(secondOnB.login("mobile", "mobile-user-long-password", "/app/x").statusCode()).isEqualTo(303);
        String secondRef = dev.portcullis.gateway.identity.session.SessionStore.ref(secondOnB.cookies()
            .get(dev.portcullis.gateway.identity.GatewayCookies.SESSION));
        assertThat(secondOnB.get("/app/x").statusCode()).isEqualTo(200);
        assertThat(onA.delete("/admin/v1/users/" + id + "/sessions/" + secondRef).status()).isEqualTo(204);
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> secondOnB.get("/app/x").statusCode() == 401);
        assertThat(browserOnB.get("/app/x").statusCode()).isEqualTo(200);

        var spare = onA.post("/admin/v1/users/" + id + "/tokens", new JsonObject().put("name", "spare")
            .put("scopes", new JsonArray().add("records:read"))).json();
        AdminClient spareOnB = onB.as(spare.getString("secret"));
        assertThat(spareOnB.get("/admin/v1/me").status()).isEqualTo(200); // cached on B now
        assertThat(onA.delete("/admin/v1/users/" + id + "/tokens/" + spare.getJsonObject("token").getString("id"))
            .status()).isEqualTo(204);
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> spareOnB.get("/admin/v1/me").status() == 401);
        assertThat(userOnB.get("/admin/v1/me").status()).isEqualTo(200);

        assertThat(onA.post("/admin/v1/users/" + id + "/disable", null).status()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> browserOnB.get("/app/x").statusCode() == 401
            && userOnB.get("/admin/v1/me").status() == 401);

        // a deleted user's session and token end on B as well
        String leaver = onA.post("/admin/v1/users", new JsonObject().put("tenant", "acme").put("username", "leaver")
            .put("password", "leaver-user-long-password")).json().getString("id");
        assertThat(onA.post("/admin/v1/bindings", new JsonObject().put("role", "records-reader").put("user", leaver)
            .put("reason", "test")).status()).isEqualTo(201);
        AdminClient leaverOnB = onB.as(onA.post("/admin/v1/users/" + leaver + "/tokens", new JsonObject()
            .put("name", "t").put("scopes", new JsonArray().add("records:read"))).json().getString("secret"));
        Browserless leaverBrowser = new Browserless(b.url(""));
        assertThat(leaverBrowser.login("leaver", "leaver-user-long-password", "/app/x").statusCode()).isEqualTo(303);
        assertThat(leaverBrowser.get("/app/x").statusCode()).isEqualTo(200);
        assertThat(leaverOnB.get("/admin/v1/me").status()).isEqualTo(200);
        assertThat(onA.delete("/admin/v1/users/" + leaver).status()).isEqualTo(204);
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> leaverBrowser.get("/app/x").statusCode() == 401
            && leaverOnB.get("/admin/v1/me").status() == 401);

        // a new gateway.yaml rolled out to both instances' files is in force on both within a second
        String moreRoutes = routes + """
              - id: added
                match: { pathPrefix: /added }
                upstream: { targets: [ "%s" ] }
                public: true
            """.formatted(backends.echo());
        Browserless anonymousOnA = new Browserless(a.url(""));
        Browserless anonymousOnB = new Browserless(b.url(""));
        assertThat(anonymousOnA.get("/added/x").statusCode()).isEqualTo(404);
        a.rewriteConfig(TestGateway.header(dirA) + IdentityYaml.of(jdbc, portA, "", members) + moreRoutes);
        b.rewriteConfig(TestGateway.header(dirB) + IdentityYaml.of(jdbc, portB, "", members) + moreRoutes);
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> anonymousOnA.get("/added/x").statusCode() == 200
            && anonymousOnB.get("/added/x").statusCode() == 200);
      }
    }
  }
}
