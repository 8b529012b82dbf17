package dev.portcullis.gateway.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real Keycloak (org.keycloak:keycloak-quarkus-dist from Maven Central), started out of process
 * by {@code scripts/keycloak.sh} on a free loopback port with a fresh database, and a realm set up
 * through its admin REST API: client {@code portcullis} (confidential, PKCE S256 required, an
 * audience mapper so its access tokens are meant for the gateway) and user {@code alice}.
 */
public final class KeycloakServer implements AutoCloseable {

  public static final String REALM = "portcullis-test";
  public static final String CLIENT_SECRET = "portcullis-test-secret";
  public static final String USER = "alice";
  public static final String PASSWORD = "alice-test-password";
  /** The confidential client whose service account may read and manage the realm (identity.source: keycloak). */
  public static final String SYNC_CLIENT = "portcullis-sync";
  public static final String SYNC_SECRET = "portcullis-sync-test-secret";
  /** The realm-management roles the sync client's service account gets. */
  public static final java.util.List<String> SYNC_ROLES = java.util.List.of("view-users", "query-groups",
      "view-realm", "manage-users", "manage-realm");
  private static final Pattern FORM_ACTION = Pattern.compile("<form\\b[^>]*\\bid=\"kc-form-login\"[^>]*\\baction=\"([^\"]+)\"");

  private final Path script;
  private final Path workdir;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private KeycloakServer(Path script, Path workdir, int port) {
    this.script = script;
    this.workdir = workdir;
    this.port = port;
  }

  public static KeycloakServer start(Path workdir) throws Exception {
    Path script = repositoryRoot().resolve("scripts/keycloak.sh");
    int port = ForkedGateway.freePort();
    KeycloakServer server = new KeycloakServer(script, workdir, port);
    server.run("start", Integer.toString(port), workdir.toString());
    long pid = Long.parseLong(Files.readString(workdir.resolve("keycloak.pid")).trim());
    try {
      // The first start on a machine also unzips and builds Keycloak (the script blocks for that).
      Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> {
        if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
          throw new IllegalStateException("Keycloak exited; see " + workdir.resolve("keycloak.log"));
        }
        return server.status("/realms/master/.well-known/openid-configuration") == 200;
      });
      server.setUpRealm();
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
    return server;
  }

  private static Path repositoryRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/keycloak.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("scripts/keycloak.sh not found above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  public String issuer() {
    return "http://127.0.0.1:" + port + "/realms/" + REALM;
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }

  /** The server's base URL ({@code identity.keycloak.url}). */
  public String url() {
    return base();
  }

  /** An admin client signed in to the master realm as the bootstrap admin (for setting up and reading back). */
  public org.keycloak.admin.client.Keycloak admin() {
    return org.keycloak.admin.client.KeycloakBuilder.builder().serverUrl(base()).realm("master").clientId("admin-cli")
        .username("admin").password("admin-test-only").grantType(org.keycloak.OAuth2Constants.PASSWORD).build();
  }

  /**
   * Creates client {@value #SYNC_CLIENT} in the test realm: confidential, service accounts only, its
   * service account holding {@link #SYNC_ROLES} of {@code realm-management}.
   */
  public void createSyncClient() {
    try (org.keycloak.admin.client.Keycloak admin = admin()) {
      var realm = admin.realm(REALM);
      var client = new org.keycloak.representations.idm.ClientRepresentation();
      client.setClientId(SYNC_CLIENT);
      client.setEnabled(true);
      client.setPublicClient(false);
      client.setClientAuthenticatorType("client-secret");
      client.setSecret(SYNC_SECRET);
      client.setServiceAccountsEnabled(true);
      client.setStandardFlowEnabled(false);
      client.setDirectAccessGrantsEnabled(false);
      realm.clients().create(client).close();
      String id = realm.clients().findByClientId(SYNC_CLIENT).get(0).getId();
      String serviceAccount = realm.clients().get(id).getServiceAccountUser().getId();
      String management = realm.clients().findByClientId("realm-management").get(0).getId();
      realm.users().get(serviceAccount).roles().clientLevel(management).add(SYNC_ROLES.stream()
          .map(role -> realm.clients().get(management).roles().get(role).toRepresentation()).toList());
    }
  }

  private int status(String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void setUpRealm() throws Exception {
    String admin = new JsonObject(form(base() + "/realms/master/protocol/openid-connect/token", Map.of(
        "grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin-test-only"),
        null).body()).getString("access_token");
    json(admin, "/admin/realms", new JsonObject().put("realm", REALM).put("enabled", true));
    HttpResponse<String> client = json(admin, "/admin/realms/" + REALM + "/clients", new JsonObject()
        .put("clientId", "portcullis").put("enabled", true).put("protocol", "openid-connect")
        .put("publicClient", false).put("clientAuthenticatorType", "client-secret").put("secret", CLIENT_SECRET)
        .put("standardFlowEnabled", true).put("directAccessGrantsEnabled", true)
        .put("redirectUris", new JsonArray().add("https://127.0.0.1:*"))
        .put("attributes", new JsonObject().put("pkce.code.challenge.method", "S256")));
    String clientPath = URI.create(client.headers().firstValue("location").orElseThrow()).getPath();
    json(admin, clientPath.substring(clientPath.indexOf("/admin/")) + "/protocol-mappers/models", new JsonObject()
        .put("name", "portcullis-audience").put("protocol", "openid-connect")
        .put("protocolMapper", "oidc-audience-mapper").put("config", new JsonObject()
            .put("included.client.audience", "portcullis").put("access.token.claim", "true")
            .put("id.token.claim", "false")));
    json(admin, "/admin/realms/" + REALM + "/users", new JsonObject().put("username", USER).put("enabled", true)
        .put("email", "alice@example.test").put("emailVerified", true).put("firstName", "Alice")
        .put("lastName", "Liddell").put("requiredActions", new JsonArray())
        .put("credentials", new JsonArray().add(new JsonObject().put("type", "password").put("value", PASSWORD)
            .put("temporary", false))));
  }

  /** An access token for alice from the password grant (for bearer-token tests). */
  public String accessToken() throws Exception {
    return new JsonObject(form(issuer() + "/protocol/openid-connect/token", Map.of("grant_type", "password",
        "client_id", "portcullis", "client_secret", CLIENT_SECRET, "username", USER, "password", PASSWORD,
        "scope", "openid"), null).body()).getString("access_token");
  }

  /**
   * Plays the user at Keycloak's login page: opens the authorization URL the gateway redirected to,
   * submits alice's credentials, and returns where Keycloak sends the browser back (the gateway's
   * callback URL). Keycloak's cookies are Secure even over http, so they are carried by hand.
   */
  public URI signIn(String authorizationUrl, String password) throws Exception {
    Map<String, String> cookies = new LinkedHashMap<>();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(authorizationUrl)).build(),
        HttpResponse.BodyHandlers.ofString());
    keep(page, cookies);
    Matcher m = FORM_ACTION.matcher(page.body());
    if (!m.find()) {
      throw new IllegalStateException("no Keycloak login form in: " + page.body());
    }
    HttpResponse<String> submitted = form(m.group(1).replace("&amp;", "&"), Map.of("username", USER,
        "password", password), cookies);
    if (submitted.statusCode() != 302) {
      return null;
    }
    return URI.create(submitted.headers().firstValue("location").orElseThrow());
  }

  private static void keep(HttpResponse<?> response, Map<String, String> cookies) {
    for (String c : response.headers().allValues("set-cookie")) {
      String pair = c.split(";", 2)[0];
      int eq = pair.indexOf('=');
      cookies.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
  }

  private HttpResponse<String> form(String url, Map<String, String> fields, Map<String, String> cookies)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(fields.entrySet().stream()
            .map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"))));
    if (cookies != null && !cookies.isEmpty()) {
      request.header("Cookie", cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining("; ")));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> json(String token, String path, JsonObject body) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base() + path))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException("Keycloak admin API " + path + " answered " + response.statusCode() + ": "
          + response.body());
    }
    return response;
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private void run(String... args) throws Exception {
    String[] command = new String[args.length + 2];
    command[0] = "bash";
    command[1] = script.toString();
    System.arraycopy(args, 0, command, 2, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(workdir.resolve("keycloak-script.log").toFile()).start();
    if (!process.waitFor(5, java.util.concurrent.TimeUnit.MINUTES) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IllegalStateException("scripts/keycloak.sh " + String.join(" ", args) + " failed: "
          + Files.readString(workdir.resolve("keycloak-script.log")));
    }
  }

  @Override
  public void close() throws Exception {
    run("stop", workdir.toString());
  }
}
