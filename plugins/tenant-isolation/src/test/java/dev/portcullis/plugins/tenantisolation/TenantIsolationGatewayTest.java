package dev.portcullis.plugins.tenantisolation;

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
 * Through a real gateway with the demo data: the demo user of tenant acme reaches acme's part of
 * a shared route and is refused globex's without the backend being called; globex's user reaches
 * globex's part.
 */
class TenantIsolationGatewayTest {

  @TempDir
  Path dir;

  @Test
  void aUserReachesOwnTenantOnlyAndTheBackendNeverSeesACrossTenantRequest() {
    AtomicInteger hits = new AtomicInteger();
    try (Backends backends = new Backends();
         TestGateway gateway = TestGateway.start(dir, TestGateway.header(dir) + IdentityYaml.standalone(dir) + """
             routes:
               - id: tenants
                 match: { pathPrefix: /t/ }
                 upstream: { targets: [ "%s" ] }
                 policies:
                   - tenant-isolation: { from: path, segment: 2 }
             """.formatted(backends.counting(hits)))) {
      Browserless demo = new Browserless(gateway.url(""));
      assertThat(demo.login("demo", "portcullis-demo", "/x").statusCode()).isEqualTo(303);

      HttpResponse<String> own = demo.get("/t/acme/x");
      assertThat(own.statusCode()).isEqualTo(200);
      assertThat(own.body()).isEqualTo("counted");
      assertThat(hits.get()).isEqualTo(1);

      HttpResponse<String> other = demo.get("/t/globex/x", "Accept", "application/json");
      assertThat(other.statusCode()).isEqualTo(403);
      JsonObject problem = new JsonObject(other.body());
      assertThat(problem.getString("key")).isEqualTo("TENANT_MISMATCH");
      assertThat(problem.getString("detail")).isEqualTo("this resource belongs to another tenant");
      assertThat(hits.get()).isEqualTo(1);

      HttpResponse<String> none = demo.get("/t/", "Accept", "application/json");
      assertThat(none.statusCode()).isEqualTo(400);
      assertThat(new JsonObject(none.body()).getString("key")).isEqualTo("TENANT_UNKNOWN");
      assertThat(hits.get()).isEqualTo(1);

      Browserless globex = new Browserless(gateway.url(""));
      assertThat(globex.login("globex-demo", "portcullis-demo", "/x").statusCode()).isEqualTo(303);
      assertThat(globex.get("/t/globex/x").statusCode()).isEqualTo(200);
      assertThat(hits.get()).isEqualTo(2);

      List<JsonNode> events = Awaitility.await().atMost(Duration.ofSeconds(10)).until(
          () -> AuditTrail.matching(dir.resolve("data/audit"),
              e -> e.path("type").asText().equals("plugin.tenant-isolation.cross-tenant")),
          found -> !found.isEmpty());
      assertThat(events).singleElement().satisfies(e -> {
        assertThat(e.path("route").asText()).isEqualTo("tenants");
        assertThat(e.path("details").path("requested").asText()).isEqualTo("globex");
        assertThat(e.path("details").path("own").asText()).isEqualTo("acme");
      });
    }
  }
}
