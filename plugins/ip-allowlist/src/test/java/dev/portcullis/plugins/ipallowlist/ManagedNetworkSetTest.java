package dev.portcullis.plugins.ipallowlist;

import dev.portcullis.gateway.admin.AdminApi;
import dev.portcullis.gateway.config.ConfigLoader;
import dev.portcullis.gateway.config.InvalidConfigException;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.support.AdminClient;
import dev.portcullis.gateway.support.AdminClient.Response;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A network set that gateway.yaml declares {@code managed} gets its CIDRs from the admin API: empty
 * (nobody in) until an admin sets it, then the routes follow every change without a reload of the
 * file, and keep it across a restart.
 */
class ManagedNetworkSetTest {

  @TempDir
  Path dir;

  private String yaml(String backend) {
    return TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
        networks:
          office: managed
        routes:
          - id: office-only
            match: { pathPrefix: /office }
            upstream: { targets: [ "%s" ] }
            authentication: optional
            policies:
              - ip-allowlist: { allow: [ office ] }
        """.formatted(backend);
  }

  @Test
  void anAdminSetsTheCidrsOfAManagedSetAndTheRouteFollows() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    String token = "pcl_" + Secrets.random256();
    try (Backends backends = new Backends()) {
      String yaml = yaml(backends.counting(hits));
      try (TestGateway gateway = TestGateway.start(dir, yaml, Map.of(AdminApi.BOOTSTRAP_ENV, token))) {
        assertThat(RawHttps.get(gateway.port(), "/office/x").status()).as("empty until set: nobody in").isEqualTo(403);
        AdminClient admin = AdminClient.of(gateway, token);

        Response created = admin.put("/admin/v1/network-sets/office", new JsonObject().put("description", "HQ")
            .put("cidrs", new JsonArray().add("127.0.0.0/8")), null);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(5)).until(() -> RawHttps.get(gateway.port(), "/office/x").status() == 200);

        assertThat(admin.put("/admin/v1/network-sets/office", new JsonObject().put("cidrs",
            new JsonArray().add("192.0.2.0/24")), null).key()).isEqualTo("CONFLICT");
        Response bad = admin.put("/admin/v1/network-sets/office", new JsonObject().put("cidrs",
            new JsonArray().add("10.0.0.0/33")), created.etag());
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.detail()).startsWith("cidrs[0]:");
        Response moved = admin.put("/admin/v1/network-sets/office", new JsonObject().put("cidrs",
            new JsonArray().add("192.0.2.0/24")), created.etag());
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.etag()).isEqualTo("\"2\"");
        assertThat(admin.put("/admin/v1/network-sets/office", new JsonObject().put("cidrs",
            new JsonArray().add("127.0.0.1/32")), created.etag()).key()).isEqualTo("PRECONDITION_FAILED");
        await().atMost(Duration.ofSeconds(5)).until(() -> RawHttps.get(gateway.port(), "/office/x").status() == 403);
        int before = hits.get();

        assertThat(admin.put("/admin/v1/network-sets/office", new JsonObject().put("cidrs",
            new JsonArray().add("127.0.0.1/32")), moved.etag()).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> RawHttps.get(gateway.port(), "/office/x").status() == 200);
        assertThat(hits.get()).isGreaterThan(before);
        Response read = admin.get("/admin/v1/network-sets/office");
        assertThat(read.json().getJsonArray("cidrs")).containsExactly("127.0.0.1/32");
        assertThat(read.etag()).isEqualTo("\"3\"");
      }
      try (TestGateway again = TestGateway.start(dir, yaml, Map.of())) {
        assertThat(RawHttps.get(again.port(), "/office/x").status()).as("the store keeps the set").isEqualTo(200);
        AdminClient admin = AdminClient.of(again, token);
        assertThat(admin.delete("/admin/v1/network-sets/office").status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> RawHttps.get(again.port(), "/office/x").status() == 403);
        assertThat(admin.get("/admin/v1/network-sets").json().getJsonArray("items")).isEmpty();
      }
    }
  }

  @Test
  void aChangeMadeOnOneInstanceReachesTheOthersRoutesWithinASecond() throws Exception {
    int portA = dev.portcullis.gateway.support.ForkedGateway.freePort();
    int portB = dev.portcullis.gateway.support.ForkedGateway.freePort();
    String members = "  members: [ \"127.0.0.1:" + portA + "\", \"127.0.0.1:" + portB + "\" ]";
    String jdbc = "jdbc:h2:mem:network-sets-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    String token = "pcl_" + Secrets.random256();
    try (Backends backends = new Backends()) {
      String routes = """
          networks:
            office: managed
          routes:
            - id: office-only
              match: { pathPrefix: /office }
              upstream: { targets: [ "%s" ] }
              authentication: optional
              policies:
                - ip-allowlist: { allow: [ office ] }
          """.formatted(backends.echo());
      Path dirA = java.nio.file.Files.createDirectories(dir.resolve("a"));
      Path dirB = java.nio.file.Files.createDirectories(dir.resolve("b"));
      try (TestGateway a = TestGateway.start(dirA, TestGateway.header(dirA) + IdentityYaml.of(jdbc, portA, "", members)
              + routes, Map.of(AdminApi.BOOTSTRAP_ENV, token));
          TestGateway b = TestGateway.start(dirB, TestGateway.header(dirB) + IdentityYaml.of(jdbc, portB, "", members)
              + routes, Map.of())) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
            b.gateway().identity().hazelcast().getCluster().getMembers().size() == 2);
        assertThat(RawHttps.get(b.port(), "/office/x").status()).isEqualTo(403);
        assertThat(AdminClient.of(a, token).put("/admin/v1/network-sets/office", new JsonObject().put("cidrs",
            new JsonArray().add("127.0.0.0/8")), null).status()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(1)).until(() -> RawHttps.get(b.port(), "/office/x").status() == 200);
      }
    }
  }

  @Test
  void aManagedSetNeedsTheIdentityStoreAndOnlyTheWordManaged() {
    String routes = """
        routes:
          - id: r
            match: { pathPrefix: /r }
            upstream: { targets: [ "http://127.0.0.1:9" ] }
            policies:
              - ip-allowlist: { allow: [ office ] }
        """;
    assertThatThrownBy(() -> ConfigLoader.parse(TestGateway.header(dir) + "networks:\n  office: managed\n" + routes,
        "gateway.yaml", dir, dir.resolve("gateway.yaml"), k -> null))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("networks")
        .hasMessageContaining("need an identity: section");
    assertThatThrownBy(() -> ConfigLoader.parse(TestGateway.header(dir) + IdentityYaml.standalone(dir)
        + "networks:\n  office: dynamic\n" + routes, "gateway.yaml", dir, dir.resolve("gateway.yaml"), k -> null))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("networks.office")
        .hasMessageContaining("'managed'");
  }
}
