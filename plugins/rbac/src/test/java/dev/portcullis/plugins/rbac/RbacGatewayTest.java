package dev.portcullis.plugins.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.audit.AuditTrail;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Through a real gateway with the demo data: the demo user (role records-reader, permission
 * records:read) is refused a route that needs records:write without the backend being called or the
 * response naming the permission, and let through a route that needs records:read.
 */
class RbacGatewayTest {

  @TempDir
  Path dir;

  @Test
  void aMissingPermissionIsDeniedBeforeTheBackendAndAHeldOneLetsTheUserIn() {
    AtomicInteger hits = new AtomicInteger();
    try (Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
             routes:
               - id: write
                 match: { pathPrefix: /write }
                 upstream: { targets: [ "%1$s" ] }
                 policies:
                   - rbac: { allOf: [records:write] }
               - id: read
                 match: { pathPrefix: /read }
                 upstream: { targets: [ "%1$s" ] }
                 policies:
                   - rbac: { anyOf: [records:read, records:admin] }
             """.formatted(backends.counting(hits)))) {
      Browserless demo = new Browserless(gateway.url(""));
      assertThat(demo.login("demo", "portcullis-demo", "/x").statusCode()).isEqualTo(303);

      HttpResponse<String> write = demo.get("/write/x", "Accept", "application/json");
      assertThat(write.statusCode()).isEqualTo(403);
      JsonObject problem = new JsonObject(write.body());
      assertThat(problem.getString("key")).isEqualTo("PERMISSION_MISSING");
      assertThat(problem.getString("detail")).isEqualTo("your account lacks a permission this route needs");
      assertThat(write.body()).doesNotContain("records:write");
      assertThat(hits.get()).isZero();

      HttpResponse<String> read = demo.get("/read/x");
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(read.body()).isEqualTo("counted");
      assertThat(hits.get()).isEqualTo(1);

      // the journal, not the client, learns which permission was missing
      List<JsonNode> events = Awaitility.await().atMost(Duration.ofSeconds(10)).until(
          () -> AuditTrail.matching(dir.resolve("data/audit"),
              e -> e.path("type").asText().equals("plugin.rbac.permission-missing")),
          found -> !found.isEmpty());
      assertThat(events).singleElement().satisfies(e -> {
        assertThat(e.path("route").asText()).isEqualTo("write");
        assertThat(e.path("details").path("missing").asText()).isEqualTo("records:write");
        assertThat(e.path("details").path("rule").asText()).isEqualTo("allOf");
      });
    }
  }
}
