package dev.portcullis.gateway.proxy;

import dev.portcullis.gateway.support.Backends;
import dev.portcullis.gateway.support.Https;
import dev.portcullis.gateway.support.RawHttps;
import dev.portcullis.gateway.support.TestGateway;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests through a real gateway (TLS on loopback) to the real echo backend. */
class ForwardingTest {

  @TempDir
  static Path dir;

  static Backends backends;
  static TestGateway gateway;
  static final AtomicInteger catchAllHits = new AtomicInteger();

  @BeforeAll
  static void start() {
    backends = new Backends();
    String echo = backends.echo();
    String counting = backends.counting(catchAllHits);
    gateway = TestGateway.start(dir, TestGateway.header(dir) + """
        routes:
          - id: echo
            match: { pathPrefix: /echo }
            rewrite: { stripPrefix: true }
            upstream: { targets: [ "%1$s" ] }
            public: true
          - id: api
            match: { host: "*.example.test", pathPrefix: /api/, methods: [ GET, POST ] }
            rewrite: { replacePrefix: /v2/ }
            upstream: { targets: [ "%1$s" ] }
            preserveHost: true
            public: true
          - id: raw
            match: { pathRegex: "/raw(/.*)?" }
            upstream: { targets: [ "%1$s" ] }
            public: true
          - id: counted
            match: { host: counted.test }
            upstream: { targets: [ "%2$s" ] }
            public: true
        """.formatted(echo, counting));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    backends.close();
  }

  private static JsonObject echoOf(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  @Test
  void forwardsPathQueryAndBodyAndAddsForwardingHeaders() {
    HttpClient client = Https.client();
    HttpResponse<String> response = Https.send(client, HttpRequest.newBuilder(
            URI.create(gateway.url("/echo/items/7?sort=asc&x=%2F")))
        .header("X-Forwarded-For", "198.51.100.66")
        .header("Forwarded", "for=198.51.100.66")
        .header("X-Custom", "kept")
        .POST(HttpRequest.BodyPublishers.ofString("hello body"))
        .build());
    JsonObject echo = echoOf(response);
    assertThat(echo.getString("method")).isEqualTo("POST");
    assertThat(echo.getString("path")).isEqualTo("/items/7");
    assertThat(echo.getString("query")).isEqualTo("sort=asc&x=%2F");
    assertThat(echo.getLong("bodyLength")).isEqualTo(10);
    JsonObject headers = echo.getJsonObject("headers");
    assertThat(headers.getJsonArray("x-custom").getString(0)).isEqualTo("kept");
    // the peer is not a trusted proxy: the client's forwarding headers are replaced, not extended
    assertThat(headers.getJsonArray("x-forwarded-for").getList()).containsExactly("127.0.0.1");
    assertThat(headers.getJsonArray("forwarded").getList())
        .containsExactly("for=127.0.0.1;proto=https;host=\"127.0.0.1:" + gateway.port() + "\"");
    assertThat(headers.getJsonArray("x-forwarded-proto").getList()).containsExactly("https");
    assertThat(headers.getJsonArray("x-forwarded-host").getList()).containsExactly("127.0.0.1:" + gateway.port());
    // the upstream sees its own authority unless preserveHost
    assertThat(headers.getJsonArray("host").getString(0)).startsWith("127.0.0.1:").doesNotEndWith(":" + gateway.port());
    // request id and trace context are generated and reach both sides
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    assertThat(headers.getJsonArray("x-request-id").getList()).containsExactly(requestId);
    assertThat(headers.getJsonArray("traceparent").getString(0)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    assertThat(response.headers().firstValue("strict-transport-security"))
        .hasValue("max-age=31536000; includeSubDomains");
  }

  @Test
  void traceparentIsContinuedButAnUntrustedClientCannotChooseTheRequestId() {
    String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    HttpResponse<String> response = Https.send(Https.client(), HttpRequest.newBuilder(
            URI.create(gateway.url("/echo/t")))
        .header("X-Request-Id", "client-id-42").header("traceparent", trace).header("tracestate", "k=v").build());
    JsonObject headers = echoOf(response).getJsonObject("headers");
    // 127.0.0.1 is not a trusted proxy here: its X-Request-Id is replaced (see AdminAndLogsTest for a trusted one)
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    assertThat(requestId).isNotEqualTo("client-id-42").matches("[0-9a-f]{32}");
    assertThat(headers.getJsonArray("x-request-id").getList()).containsExactly(requestId);
    String forwarded = headers.getJsonArray("traceparent").getString(0);
    assertThat(forwarded).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01")
        .isNotEqualTo(trace);
    assertThat(headers.getJsonArray("tracestate").getList()).containsExactly("k=v");

    HttpResponse<String> forged = Https.send(Https.client(), HttpRequest.newBuilder(URI.create(gateway.url("/echo/t")))
        .header("traceparent", "garbage").build());
    JsonObject forgedHeaders = echoOf(forged).getJsonObject("headers");
    assertThat(forgedHeaders.getJsonArray("traceparent").getString(0)).doesNotContain("garbage")
        .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
  }

  @Test
  void clientChosenAddressAndPathHeadersNeverReachTheUpstream() throws Exception {
    RawHttps.Response response = RawHttps.exchange(gateway.port(), "GET /echo/spoof HTTP/1.1\r\n"
        + "Host: localhost\r\n"
        + "X-Real-IP: 198.51.100.1\r\nTrue-Client-IP: 198.51.100.1\r\nX-Client-IP: 198.51.100.1\r\n"
        + "X-Original-URL: /admin\r\nX-Rewrite-URL: /admin\r\nX-Forwarded-Prefix: /admin\r\n"
        + "X-Forwarded-Port: 1\r\nConnection: close\r\n\r\n");
    JsonObject headers = new JsonObject(response.body()).getJsonObject("headers");
    assertThat(headers.fieldNames()).doesNotContain("true-client-ip", "x-client-ip", "x-original-url",
        "x-rewrite-url", "x-forwarded-prefix", "x-forwarded-port");
    assertThat(headers.getJsonArray("x-real-ip").getList()).containsExactly("127.0.0.1");
  }

  @Test
  void hopByHopHeadersAndThoseNamedInConnectionAreNotForwarded() throws Exception {
    RawHttps.Response response = RawHttps.exchange(gateway.port(), "GET /echo/h HTTP/1.1\r\n"
        + "Host: localhost\r\n"
        + "Connection: close, X-Secret-Hop\r\n"
        + "X-Secret-Hop: do-not-forward\r\n"
        + "Keep-Alive: timeout=5\r\n"
        + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
        + "TE: trailers\r\n"
        + "Upgrade: h2c\r\n"
        + "X-Kept: yes\r\n\r\n");
    JsonObject headers = new JsonObject(response.body()).getJsonObject("headers");
    assertThat(headers.fieldNames()).doesNotContain("x-secret-hop", "keep-alive", "proxy-authorization", "te",
        "upgrade");
    assertThat(headers.getJsonArray("x-kept").getList()).containsExactly("yes");
  }

  @Test
  void routesMatchOnHostPrefixAndMethodAndRewriteThePrefix() throws Exception {
    RawHttps.Response api = RawHttps.exchange(gateway.port(),
        "GET /api/users?id=1 HTTP/1.1\r\nHost: Tenant-A.Example.Test:8443\r\nConnection: close\r\n\r\n");
    JsonObject echo = new JsonObject(api.body());
    assertThat(echo.getString("path")).isEqualTo("/v2/users");
    // preserveHost: the upstream sees the client's Host
    assertThat(echo.getJsonObject("headers").getJsonArray("host").getString(0)).isEqualTo("Tenant-A.Example.Test:8443");

    // a method the route does not list falls through to no route at all
    RawHttps.Response delete = RawHttps.exchange(gateway.port(),
        "DELETE /api/users HTTP/1.1\r\nHost: a.example.test\r\nConnection: close\r\n\r\n");
    assertThat(delete.status()).isEqualTo(404);
    // the wildcard does not match the bare domain
    RawHttps.Response bare = RawHttps.exchange(gateway.port(),
        "GET /api/users HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n");
    assertThat(bare.status()).isEqualTo(404);
    // a prefix matches whole segments only
    assertThat(RawHttps.get(gateway.port(), "/echoes").status()).isEqualTo(404);
    assertThat(new JsonObject(RawHttps.get(gateway.port(), "/echo").body()).getString("path")).isEqualTo("/");
  }

  @Test
  void noRouteIs404ProblemJsonAndNothingIsForwarded() throws Exception {
    int before = catchAllHits.get();
    RawHttps.Response response = RawHttps.exchange(gateway.port(),
        "POST /anything HTTP/1.1\r\nHost: other.test\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.headers().get("content-type")).isEqualTo("application/problem+json");
    JsonObject problem = new JsonObject(response.body());
    assertThat(problem.getString("key")).isEqualTo("ROUTE_NOT_FOUND");
    assertThat(problem.getInteger("status")).isEqualTo(404);
    assertThat(problem.getString("requestId")).isEqualTo(response.headers().get("x-request-id"));
    assertThat(response.body()).doesNotContain("Exception", "at dev.");
    assertThat(catchAllHits.get()).isEqualTo(before);
    // the counting backend is reachable through its own route, so the zero above means something
    assertThat(RawHttps.exchange(gateway.port(),
        "GET / HTTP/1.1\r\nHost: counted.test\r\nConnection: close\r\n\r\n").body()).isEqualTo("counted");
    assertThat(catchAllHits.get()).isEqualTo(before + 1);
  }

  @ParameterizedTest(name = "{0} reaches the upstream as {1}")
  @CsvSource(delimiter = '|', textBlock = """
      /raw/a/../b            | /raw/b
      /raw/a/./b             | /raw/a/b
      //raw/a                | /raw/a
      /raw/a;b/..            | /raw/
      /raw/%7Ex/%41          | /raw/~x/A
      /raw/caf%c3%a9         | /raw/caf%C3%A9
      """)
  void theNormalisedPathIsTheOneForwarded(String raw, String forwarded) throws Exception {
    RawHttps.Response response = RawHttps.get(gateway.port(), raw);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("uri")).isEqualTo(forwarded);
  }

  @ParameterizedTest(name = "{0} is refused")
  @CsvSource({"/%2e%2e/", "/raw/%2E%2e%2f", "/raw/a%2fb", "/raw/a%5cb", "/raw/a%00b", "/raw/%252e%252e",
      "/raw/%c0%ae", "/a/b/../../..", "/raw/..;/x"})
  void dangerousPathsAreRefusedWith400BeforeRouting(String raw) throws Exception {
    RawHttps.Response response = RawHttps.get(gateway.port(), raw);
    assertThat(response.status()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("key")).isEqualTo("INVALID_PATH");
  }

  @Test
  void http2ClientsReachHttp11Upstreams() {
    HttpClient h2 = Https.client(HttpClient.Version.HTTP_2);
    HttpResponse<String> get = Https.get(h2, gateway.url("/echo/h2"));
    assertThat(get.version()).isEqualTo(HttpClient.Version.HTTP_2);
    JsonObject echo = echoOf(get);
    assertThat(echo.getString("version")).isEqualTo("http/1.1");
    // a body-less HTTP/2 GET must not turn into a chunked request upstream
    assertThat(echo.getJsonObject("headers").fieldNames()).doesNotContain("transfer-encoding");

    HttpResponse<String> post = Https.send(h2, HttpRequest.newBuilder(URI.create(gateway.url("/echo/h2")))
        .POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build());
    assertThat(post.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(echoOf(post).getLong("bodyLength")).isEqualTo(100_000);
  }

  @Test
  void expectContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
    try (RawHttps raw = new RawHttps(gateway.port())) {
      raw.write("PUT /echo/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
          + "Expect: 100-continue\r\n\r\n");
      RawHttps.Response interim = raw.read();
      assertThat(interim.status()).isEqualTo(100);
      raw.write("12345");
      RawHttps.Response response = raw.read();
      assertThat(response.status()).isEqualTo(200);
      JsonObject echo = new JsonObject(response.body());
      assertThat(echo.getLong("bodyLength")).isEqualTo(5);
      assertThat(echo.getJsonObject("headers").fieldNames()).doesNotContain("expect");
    }
  }

  @Test
  void keepAliveCarriesSeveralRequestsOnOneConnection() throws Exception {
    try (RawHttps raw = new RawHttps(gateway.port())) {
      for (int i = 0; i < 3; i++) {
        raw.write("GET /echo/k" + i + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        RawHttps.Response response = raw.read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(new JsonObject(response.body()).getString("path")).isEqualTo("/k" + i);
      }
      raw.write("GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(404);
      raw.write("GET /echo/after-404 HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertThat(raw.read().status()).isEqualTo(200);
    }
  }

  @Test
  void headAndNoContentResponsesCarryNoBody() throws Exception {
    try (RawHttps raw = new RawHttps(gateway.port())) {
      raw.write("HEAD /echo/x HTTP/1.1\r\nHost: localhost\r\n\r\n");
      RawHttps.Response head = raw.read();
      assertThat(head.status()).isEqualTo(200);
      raw.write("GET /echo/status/204 HTTP/1.1\r\nHost: localhost\r\n\r\n");
      RawHttps.Response noContent = raw.read();
      assertThat(noContent.status()).isEqualTo(204);
      assertThat(noContent.body()).isEmpty();
      // the connection is still in step: the next response is the next request's
      raw.write("GET /echo/after HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertThat(new JsonObject(raw.read().body()).getString("path")).isEqualTo("/after");
    }
  }

  @Test
  void upstreamStatusesAndHeadersPassThrough() {
    HttpResponse<String> response = Https.get(Https.client(), gateway.url("/echo/status/418"));
    assertThat(response.statusCode()).isEqualTo(418);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
  }
}
