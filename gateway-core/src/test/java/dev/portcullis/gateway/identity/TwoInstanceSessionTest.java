package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.IdentityYaml;
import dev.portcullis.gateway.support.TestGateway;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateway instances in one Hazelcast cluster on loopback, sharing one IAM store, as behind a
 * load balancer: a session made on one works on the other, and outlives the first instance.
 */
class TwoInstanceSessionTest {

  @TempDir
  Path dir;

  @Test
  void aSessionMadeOnOneInstanceWorksOnTheOtherAndSurvivesTheFirstOnesStop() throws Exception {
    int portA = ForkedGateway.freePort();
    int portB = ForkedGateway.freePort();
    String members = "  members: [ \"127.0.0.1:" + portA + "\", \"127.0.0.1:" + portB + "\" ]";
    // One store for both, as a PostgreSQL server would be: a named in-memory H2 database of this JVM.
    String jdbc = "jdbc:h2:mem:two-instances-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    try (Backends backends = new Backends()) {
      String routes = """
          routes:
            - id: app
              match: { pathPrefix: /app }
              upstream: { targets: [ "%s" ] }
              assertion: {}
          """.formatted(backends.echo());
      Path dirA = Files.createDirectories(dir.resolve("a"));
      Path dirB = Files.createDirectories(dir.resolve("b"));
      TestGateway a = TestGateway.start(dirA, TestGateway.header(dirA) + IdentityYaml.of(jdbc, portA, "", members)
          + routes);
      try (TestGateway b = TestGateway.start(dirB, TestGateway.header(dirB) + IdentityYaml.of(jdbc, portB, "",
          members) + routes)) {
        String session;
        try {
          Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
              b.gateway().identity().hazelcast().getCluster().getMembers().size() == 2);
          // operators (and load-balancer scripts) see the same on the admin port
          assertThat(new io.vertx.core.json.JsonObject(dev.portcullis.gateway.support.Https.get(
              dev.portcullis.gateway.support.Https.client(), b.adminUrl("/readyz")).body()).getJsonObject("cluster")
              .getInteger("members")).isEqualTo(2);

          Browserless onA = new Browserless(a.url(""));
          assertThat(onA.login("demo", "portcullis-demo", "/app").statusCode()).isEqualTo(303);
          session = onA.cookies().get("__Host-portcullis");

          Browserless onB = new Browserless(b.url(""));
          onB.cookies().put("__Host-portcullis", session);
          assertThat(onB.get("/app/x").statusCode()).isEqualTo(200);
          // both instances publish the same keys, so an upstream can verify either one's assertions
          assertThat(new Browserless(b.url("")).get("/.well-known/jwks.json").body())
              .isEqualTo(new Browserless(a.url("")).get("/.well-known/jwks.json").body());
        } finally {
          a.close();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
            b.gateway().identity().hazelcast().getCluster().getMembers().size() == 1);
        Browserless stillOnB = new Browserless(b.url(""));
        stillOnB.cookies().put("__Host-portcullis", session);
        assertThat(stillOnB.get("/app/x").statusCode()).isEqualTo(200);
        assertThat(new Browserless(b.url("")).get("/app/x").statusCode()).isEqualTo(401); // no cookie: no session
      }
    }
  }
}
