package dev.portcullis.config;

import dev.portcullis.gateway.support.Browserless;
import dev.portcullis.gateway.support.ForkedGateway;
import dev.portcullis.gateway.support.ForkedJvm;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * config/examples/cluster-three.yaml three times, each in its own JVM, behind haproxy (Debian package,
 * scripts/test-services.sh) running config/examples/haproxy.cfg, on the test PostgreSQL server; steady
 * signed-in traffic through haproxy while one instance gets SIGTERM and another SIGKILL, then while all
 * three are restarted one by one. Each instance forwards to its own upstream, which answers with the
 * instance's name, so every response says who served it.
 */
class ClusterFailoverIT {

  private static final String COOKIE = "__Host-portcullis";
  private static final Path EXAMPLES = Path.of("examples").toAbsolutePath();

  @TempDir
  Path dir;
  private final String schema = "failover_" + UUID.randomUUID().toString().replace("-", "");
  private final List<Instance> instances = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();
  private Process haproxy;
  private ScheduledExecutorService traffic;

  /** One request of the steady traffic: when, what came back, who served it. */
  record Sample(String path, long startNanos, long endNanos, int status, String servedBy, String requestId,
      String error) {
    boolean ok() {
      return status == 200;
    }
  }

  /** One gateway instance: fixed ports (haproxy's configuration names them), its own data directory. */
  final class Instance {
    final String name;
    final int port = ForkedGateway.freePort();
    final int adminPort = ForkedGateway.freePort();
    final int clusterPort = ForkedGateway.freePort();
    final Path data;
    final Map<String, String> env = new HashMap<>();
    Process process;
    int starts;

    Instance(String name) {
      this.name = name;
      this.data = dir.resolve(name);
    }

    void start() {
      starts++;
      process = ForkedJvm.start(dir.resolve(name + "-" + starts + ".log"), List.of("-Xmx256m"), env,
          "dev.portcullis.gateway.Main", "--config", EXAMPLES.resolve("cluster-three.yaml").toString());
    }

    JsonObject readiness() {
      try {
        HttpResponse<String> ready = Https.get(Https.client(), "https://127.0.0.1:" + adminPort + "/readyz");
        return ready.statusCode() == 200 ? new JsonObject(ready.body()) : null;
      } catch (RuntimeException e) {
        return null;
      }
    }

    boolean readyWithMembers(int members) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n"
            + ForkedJvm.tail(dir.resolve(name + "-" + starts + ".log")));
      }
      JsonObject ready = readiness();
      // (the cluster section appears once the identity services are up)
      return ready != null && ready.getJsonObject("cluster") != null
          && ready.getJsonObject("cluster").getInteger("members") == members;
    }

    /** The request ids of the decisions in this instance's journal (plain JSON Lines segments). */
    Set<String> journaledRequestIds() throws IOException {
      try (var segments = Files.list(data.resolve("audit"))) {
        Set<String> ids = new java.util.HashSet<>();
        for (Path segment : segments.filter(p -> p.getFileName().toString().matches("segment-\\d{8}\\.jsonl"))
            .toList()) {
          for (String line : Files.readAllLines(segment)) {
            if (line.isBlank()) {
              continue;
            }
            JsonObject record;
            try {
              record = new JsonObject(line);
            } catch (io.vertx.core.json.DecodeException torn) { // a line cut short by SIGKILL
              continue;
            }
            if (record.getString("requestId") != null && name.equals(record.getString("instance"))) {
              ids.add(record.getString("requestId"));
            }
          }
        }
        return ids;
      }
    }
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (traffic != null) {
      traffic.shutdownNow();
    }
    for (Instance instance : instances) {
      if (instance.process != null) {
        instance.process.destroyForcibly();
      }
    }
    if (haproxy != null) {
      haproxy.destroyForcibly();
    }
    for (Instance instance : instances) {
      if (instance.process != null) {
        instance.process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    TestGateway.await(vertx.close());
    // keep the logs (gateway JSON lines, haproxy's request log) for a look after a failure
    Path keep = Files.createDirectories(Path.of("target", "cluster-failover-logs"));
    try (var logs = Files.list(dir)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
        Files.copy(log, keep.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    try (Connection c = DriverManager.getConnection(ProductionExampleTest.PG, ProductionExampleTest.PG_USER,
        ProductionExampleTest.PG_PASSWORD); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void noSessionLostNoAcceptedRequestFailedAndEveryDecisionJournaledThroughFailoverAndRollingRestart()
      throws Exception {
    long testStart = System.nanoTime();
    try (Connection c = DriverManager.getConnection(ProductionExampleTest.PG, ProductionExampleTest.PG_USER,
        ProductionExampleTest.PG_PASSWORD); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    Path certs = dir.resolve("certs");
    dev.portcullis.gateway.tls.SelfSignedCertificate.ensure(certs);
    Path cert = certs.resolve("self-signed-cert.pem");
    Path key = certs.resolve("self-signed-key.pem");
    Path lbPem = certs.resolve("haproxy.pem");
    Files.writeString(lbPem, Files.readString(cert) + Files.readString(key));

    for (int i = 1; i <= 3; i++) {
      instances.add(new Instance("gw" + i));
    }
    for (Instance instance : instances) {
      // the upstream of this instance answers with the instance's name
      int upstream = TestGateway.await(vertx.createHttpServer().requestHandler(req -> req.response()
          .putHeader("content-type", "text/plain").end(instance.name)).listen(0, "127.0.0.1")).actualPort();
      Map<String, String> env = instance.env;
      env.put("PORTCULLIS_INSTANCE", instance.name);
      env.put("PORTCULLIS_DATA_DIR", instance.data.toString());
      env.put("PORTCULLIS_PUBLIC_HOST", "127.0.0.1");
      env.put("PORTCULLIS_PUBLIC_PORT", Integer.toString(instance.port));
      env.put("PORTCULLIS_ADMIN_HOST", "127.0.0.1");
      env.put("PORTCULLIS_ADMIN_PORT", Integer.toString(instance.adminPort));
      env.put("PORTCULLIS_TLS_CERT", cert.toString());
      env.put("PORTCULLIS_TLS_KEY", key.toString());
      env.put("PORTCULLIS_LOAD_BALANCER", "127.0.0.1/32");
      env.put("PORTCULLIS_DRAIN_TIMEOUT", "10s");
      env.put("PORTCULLIS_DB_URL", ProductionExampleTest.PG + "?currentSchema=" + schema);
      env.put("PORTCULLIS_DB_USER", ProductionExampleTest.PG_USER);
      env.put("PORTCULLIS_DB_PASSWORD", ProductionExampleTest.PG_PASSWORD);
      env.put("PORTCULLIS_SEED_DEMO", "true");
      env.put("PORTCULLIS_TOTP_KEY", ProductionExampleTest.TOTP_KEY);
      env.put("PORTCULLIS_CLUSTER_HOST", "127.0.0.1");
      env.put("PORTCULLIS_CLUSTER_PORT", Integer.toString(instance.clusterPort));
      for (int i = 0; i < 3; i++) {
        env.put("PORTCULLIS_CLUSTER_MEMBER_" + (i + 1), "127.0.0.1:" + instances.get(i).clusterPort);
      }
      env.put("PORTCULLIS_APP_UPSTREAM", "http://127.0.0.1:" + upstream);
      env.put("PORTCULLIS_LOG_LEVEL", "INFO");
      env.put("PORTCULLIS_ACCESS_LOG_LEVEL", "WARN");
    }
    Instance gw1 = instances.get(0);
    Instance gw2 = instances.get(1);
    Instance gw3 = instances.get(2);
    // the first creates the schema and the demo user; the other two join it
    gw1.start();
    awaitReady(gw1, 1);
    gw2.start();
    gw3.start();
    for (Instance instance : instances) {
      awaitReady(instance, 3);
    }
    long clusterUp = System.nanoTime();

    int lbPort = ForkedGateway.freePort();
    int statsPort = ForkedGateway.freePort();
    ProcessBuilder lb = new ProcessBuilder("haproxy", "-db", "-f", EXAMPLES.resolve("haproxy.cfg").toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile());
    lb.environment().put("PORTCULLIS_LB_BIND", "127.0.0.1:" + lbPort);
    lb.environment().put("PORTCULLIS_LB_CERT", lbPem.toString());
    lb.environment().put("PORTCULLIS_GATEWAY_CA", cert.toString());
    lb.environment().put("PORTCULLIS_LB_STATS_BIND", "127.0.0.1:" + statsPort);
    for (int i = 0; i < 3; i++) {
      lb.environment().put("PORTCULLIS_GW" + (i + 1), "127.0.0.1:" + instances.get(i).port);
      lb.environment().put("PORTCULLIS_GW" + (i + 1) + "_ADMIN_PORT", Integer.toString(instances.get(i).adminPort));
    }
    haproxy = lb.start();
    String stats = "http://127.0.0.1:" + statsPort + "/stats;csv";
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
      assertThat(haproxy.isAlive()).as(() -> ForkedJvm.tail(dir.resolve("haproxy.log"))).isTrue();
      assertThat(serverStates(stats)).containsEntry("gw1", "UP").containsEntry("gw2", "UP")
          .containsEntry("gw3", "UP");
    });

    // three signed-in users (sessions) through the load balancer
    String base = "https://127.0.0.1:" + lbPort;
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Browserless browser = new Browserless(base);
      assertThat(browser.login("demo", "portcullis-demo", "/app/").statusCode()).isEqualTo(303);
      sessions.add(browser.cookies().get(COOKIE));
    }
    assertThat(Set.copyOf(sessions)).hasSize(3);

    // steady traffic: every session one request each 20 ms, each recorded
    ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
    traffic = Executors.newScheduledThreadPool(sessions.size());
    AtomicLong sequence = new AtomicLong();
    for (String session : sessions) {
      HttpClient client = Https.client();
      traffic.scheduleAtFixedRate(() -> samples.add(request(client, base + "/app/ping?n="
          + sequence.incrementAndGet(), session)), 0, 20, TimeUnit.MILLISECONDS);
    }
    // (each instance has answered a good number of requests before the failover, so its journal is put to the test)
    await().atMost(Duration.ofSeconds(30)).until(() -> served(samples, 0).values().stream()
        .filter(n -> n >= 100).count() == 3);

    // failover: SIGTERM one instance, SIGKILL another
    long termAt = System.nanoTime();
    gw1.process.destroy();
    long killAt = System.nanoTime();
    gw2.process.destroyForcibly();
    assertThat(gw2.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(gw1.process.waitFor(40, TimeUnit.SECONDS)).as("gw1 drains and exits").isTrue();
    long gw1ExitedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(serverStates(stats)).containsEntry("gw1", "DOWN").containsEntry("gw2", "DOWN"));
    long markedDown = System.nanoTime();
    int gw3Before = served(samples, markedDown).getOrDefault("gw3", 0);
    await().atMost(Duration.ofSeconds(20)).until(() -> served(samples, markedDown).getOrDefault("gw3", 0)
        >= gw3Before + 100);
    assertThat(gw3.readiness().getJsonObject("cluster").getInteger("members")).isEqualTo(1);
    List<Sample> failoverFailures = samples.stream().filter(s -> !s.ok()).toList();
    // the only failures allowed: requests that were on their way when gw2 died
    assertThat(failoverFailures).as("failures other than requests in flight at the SIGKILL")
        .allMatch(s -> s.status() != 401 && s.startNanos() <= killAt && s.endNanos() >= killAt,
            "started before and ended after the SIGKILL at " + (killAt - termAt) + " ns after the SIGTERM at "
                + termAt);

    // every decision the two instances that were not killed made is in their journals
    Map<String, Set<String>> servedIds = new HashMap<>();
    for (Sample s : samples) {
      if (s.ok()) {
        servedIds.computeIfAbsent(s.servedBy(), k -> new java.util.HashSet<>()).add(s.requestId());
      }
    }
    assertThat(gw1.journaledRequestIds()).containsAll(servedIds.get("gw1"));
    Set<String> gw3Ids = Set.copyOf(servedIds.get("gw3"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(gw3.journaledRequestIds()).containsAll(gw3Ids));
    Set<String> gw2Journaled = gw2.journaledRequestIds();
    long gw2Missing = servedIds.get("gw2").stream().filter(id -> !gw2Journaled.contains(id)).count();

    // the two come back (same ports, same data), rejoin and serve
    long restartAt = System.nanoTime();
    gw1.start();
    gw2.start();
    for (Instance instance : instances) {
      awaitReady(instance, 3);
    }
    long rejoinedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
        assertThat(serverStates(stats)).containsEntry("gw1", "UP").containsEntry("gw2", "UP"));
    long backInLbAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> served(samples, backInLbAt).keySet().containsAll(
        Set.of("gw1", "gw2", "gw3")));

    // rolling restart: one instance at a time, the next only when the last is back in haproxy
    long rollingAt = System.nanoTime();
    for (Instance instance : instances) {
      instance.process.destroy();
      assertThat(instance.process.waitFor(40, TimeUnit.SECONDS)).as(instance.name + " drains and exits").isTrue();
      instance.start();
      for (Instance each : instances) {
        awaitReady(each, 3);
      }
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
          assertThat(serverStates(stats)).containsEntry(instance.name, "UP"));
    }
    long rollingDone = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).until(() -> served(samples, rollingDone).keySet().containsAll(
        Set.of("gw1", "gw2", "gw3")));
    traffic.shutdown();
    assertThat(traffic.awaitTermination(40, TimeUnit.SECONDS)).isTrue();
    List<Sample> rollingFailures = samples.stream().filter(s -> s.startNanos() >= rollingAt && !s.ok()).toList();
    long rollingRequests = samples.stream().filter(s -> s.startNanos() >= rollingAt).count();

    // the sessions made at the start still work, on every instance
    for (String session : sessions) {
      for (Instance instance : instances) {
        Browserless direct = new Browserless("https://127.0.0.1:" + instance.port);
        direct.cookies().put(COOKIE, session);
        assertThat(direct.get("/app/x").body()).isEqualTo(instance.name);
      }
    }

    String report = """
        cluster of 3 ready in %d ms; %d requests in all
        failover: SIGTERM gw1 + SIGKILL gw2: %d failed (%s); gw1 drained and exited in %d ms; haproxy marked both \
        down %d ms after the kill; gw2 answered %d requests, %d of them not in its journal (killed)
        restart of gw1 and gw2: cluster of 3 again after %d ms, both UP in haproxy after %d ms
        rolling restart: %d requests, %d failed (%s), took %d ms
        test ran %d s""".formatted(millis(clusterUp - testStart), samples.size(), failoverFailures.size(),
        summary(failoverFailures), millis(gw1ExitedAt - termAt), millis(markedDown - killAt),
        servedIds.get("gw2").size(), gw2Missing, millis(rejoinedAt - restartAt), millis(backInLbAt - restartAt),
        rollingRequests, rollingFailures.size(), summary(rollingFailures), millis(rollingDone - rollingAt),
        millis(System.nanoTime() - testStart) / 1000);
    System.out.println(report);
    Files.writeString(Path.of("target", "cluster-failover-report.txt"), report);
    assertThat(rollingFailures).as("failed requests during the rolling restart").isEmpty();
    // over the whole run (the restart and rejoin included): the only failures are requests that
    // were on their way at the SIGKILL, and haproxy's log shows each of them was sent to gw2
    List<Sample> allFailures = samples.stream().filter(s -> !s.ok()).toList();
    assertThat(allFailures).as("failures other than requests in flight at the SIGKILL")
        .allMatch(s -> s.status() != 401 && s.startNanos() <= killAt && s.endNanos() >= killAt);
    // (httplog names the last server tried: gw2, or another after a redispatch, which the '+' before the
    // retry count in the actconn/feconn/beconn/srv_conn/retries field marks)
    List<String> lbLog = Files.readAllLines(dir.resolve("haproxy.log"));
    java.util.regex.Pattern redispatched = java.util.regex.Pattern.compile(" \\d+/\\d+/\\d+/\\d+/\\+\\d+ ");
    for (Sample failed : allFailures) {
      assertThat(lbLog.stream().filter(line -> line.contains(failed.path() + " HTTP/")).toList())
          .as("haproxy's log of failed request %s", failed.path()).singleElement().asString()
          .satisfiesAnyOf(line -> assertThat(line).contains("portcullis/gw2 "),
              line -> assertThat(line).containsPattern(redispatched));
    }
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static String summary(List<Sample> failures) {
    return failures.stream().collect(Collectors.groupingBy(s -> s.error() != null ? s.error() : "HTTP " + s.status(),
        Collectors.counting())).toString();
  }

  private static Sample request(HttpClient client, String url, String session) {
    String path = URI.create(url).getRawPath() + "?" + URI.create(url).getRawQuery(); // unique: haproxy logs it
    long start = System.nanoTime();
    try {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(30)).header("Cookie", COOKIE + "=" + session).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Sample(path, start, System.nanoTime(), response.statusCode(),
          response.statusCode() == 200 ? response.body() : null,
          response.headers().firstValue("X-Request-Id").orElse(null), null);
    } catch (IOException e) {
      return new Sample(path, start, System.nanoTime(), 0, null, null, e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Sample(path, start, System.nanoTime(), 0, null, null, "interrupted");
    }
  }

  /** How many successful requests each instance served, of those started after {@code since}. */
  private static Map<String, Integer> served(ConcurrentLinkedQueue<Sample> samples, long since) {
    Map<String, Integer> out = new HashMap<>();
    for (Sample s : samples) {
      if (s.ok() && s.startNanos() >= since) {
        out.merge(s.servedBy(), 1, Integer::sum);
      }
    }
    return out;
  }

  private static void awaitReady(Instance instance, int members) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> instance.readyWithMembers(members));
  }

  /** haproxy's view of each server of the portcullis backend: UP, DOWN, "UP 1/2", … */
  private static Map<String, String> serverStates(String statsUrl) {
    HttpResponse<String> csv = Https.get(Https.client(), statsUrl);
    List<String> lines = csv.body().lines().toList();
    List<String> header = List.of(lines.get(0).replaceFirst("^# ", "").split(","));
    int proxy = header.indexOf("pxname");
    int server = header.indexOf("svname");
    int status = header.indexOf("status");
    Map<String, String> states = new HashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",", -1);
      if (fields.length > status && fields[proxy].equals("portcullis") && fields[server].startsWith("gw")) {
        states.put(fields[server], fields[status]);
      }
    }
    return states;
  }
}
