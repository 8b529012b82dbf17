package dev.portcullis.gateway.audit;

import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin live stream of one instance shows what every instance of the cluster journals. */
class ClusterStreamTest {

  @TempDir
  Path dir;

  @Test
  void aTailOnOneInstanceSeesTheOthersDecisions() throws Exception {
    int portA = ForkedGateway.freePort();
    int portB = ForkedGateway.freePort();
    String members = "  members: [ \"127.0.0.1:" + portA + "\", \"127.0.0.1:" + portB + "\" ]";
    String jdbc = "jdbc:h2:mem:cluster-stream-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    try (Backends backends = new Backends()) {
      String routes = """
          routes:
            - id: open
              match: { pathPrefix: /open }
              upstream: { targets: [ "%s" ] }
              public: true
          """.formatted(backends.echo());
      Path dirA = Files.createDirectories(dir.resolve("a"));
      Path dirB = Files.createDirectories(dir.resolve("b"));
      try (TestGateway a = TestGateway.start(dirA, TestGateway.header(dirA) + "audit: { instance: gw-a }\n"
              + IdentityYaml.of(jdbc, portA, "", members) + routes);
           TestGateway b = TestGateway.start(dirB, TestGateway.header(dirB) + "audit: { instance: gw-b }\n"
              + IdentityYaml.of(jdbc, portB, "", members) + routes)) {
        await().atMost(Duration.ofSeconds(30)).until(() ->
            b.gateway().identity().hazelcast().getCluster().getMembers().size() == 2);
        var identity = a.gateway().identity();
        String token = TestGateway.await(identity.iam().blocking(() -> {
          // every tenant's events: only an auditor of the system tenant sees them
          identity.iam().store().createTenant("system", "Portcullis administrators");
          User user = identity.iam().store().createUser("system", "audrey", null, null, null);
          Role role = identity.iam().store().createRole("system", "audit-reader", null, Set.of("audit:read", "audit:all-tenants"));
          identity.iam().store().bindRole(role.id(), user.id(), null, null, null, "test", "test");
          return identity.apiTokens().create(user.id(), "tail", Set.of("audit:read", "audit:all-tenants"), null)
              .plaintext();
        }));

        HttpResponse<java.io.InputStream> stream = Https.client().send(HttpRequest.newBuilder(
                URI.create(a.adminUrl("/admin/v1/audit/stream?type=access"))).header("Authorization", "Bearer " + token)
            .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
          try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
              if (line.startsWith("data: ")) {
                JsonObject event = new JsonObject(line.substring(6));
                seen.add(event.getString("instance") + " " + event.getString("path"));
              }
            }
          } catch (java.io.IOException e) {
            // the stream ends when the test closes the gateways
          }
        });
        reader.setDaemon(true);
        reader.start();
        // instances notice a new tail within about a second; keep asking B until its decisions arrive on A
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
          Https.get(Https.client(), b.url("/open/from-b"));
          Https.get(Https.client(), a.url("/open/from-a"));
          return seen.contains("gw-b /open/from-b") && seen.contains("gw-a /open/from-a");
        });
      }
    }
  }
}
