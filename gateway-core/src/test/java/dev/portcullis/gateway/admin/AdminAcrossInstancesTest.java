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
 * other within a second — a disabled user's session, a revoked token, a role's new permission.
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

        assertThat(onA.post("/admin/v1/users/" + id + "/disable", null).status()).isEqualTo(200);
        Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> browserOnB.get("/app/x").statusCode() == 401
            && userOnB.get("/admin/v1/me").status() == 401);
      }
    }
  }
}
