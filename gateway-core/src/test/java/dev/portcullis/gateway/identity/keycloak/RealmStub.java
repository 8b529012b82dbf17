package dev.portcullis.gateway.identity.keycloak;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.portcullis.gateway.config.IdentityConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * A Keycloak realm's admin API played by WireMock, for the paths Portcullis uses: the
 * client-credentials token, users, groups with members, realm roles with their holders, and the
 * role and role-mapping changes (answered 201/204 and recorded). {@link #publish()} serves the
 * current model; tests change the model and publish again, or stub failures on top.
 */
final class RealmStub implements AutoCloseable {

  static final String REALM = "acme";
  static final String CLIENT_ID = "portcullis-sync";
  static final String SECRET = "stub-client-secret-never-logged";

  final WireMockServer server = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
  final Map<String, JsonObject> users = new LinkedHashMap<>();
  final Map<String, Set<String>> groupMembers = new LinkedHashMap<>();
  final Map<String, String> groupPaths = new LinkedHashMap<>();
  final Map<String, JsonObject> roles = new LinkedHashMap<>();
  final Map<String, Set<String>> roleUsers = new LinkedHashMap<>();
  final Map<String, Set<String>> roleGroups = new LinkedHashMap<>();

  RealmStub() {
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.port();
  }

  IdentityConfig.Keycloak config(String tenant, Duration refresh, Duration timeout) {
    return new IdentityConfig.Keycloak(URI.create(url()), REALM, tenant, CLIENT_ID, SECRET, null, refresh, timeout);
  }

  RealmStub user(String id, String username, boolean enabled) {
    users.put(id, new JsonObject().put("id", id).put("username", username).put("enabled", enabled)
        .put("email", username + "@acme.example").put("firstName", capitalised(username)).put("lastName", "Test"));
    return this;
  }

  RealmStub group(String id, String path, String... members) {
    groupPaths.put(id, path);
    groupMembers.put(id, new LinkedHashSet<>(List.of(members)));
    return this;
  }

  RealmStub role(String id, String name, String permissions) {
    roles.put(name, new JsonObject().put("id", id).put("name", name).put("description", "role " + name)
        .put("composite", false).put("attributes", new JsonObject().put(Permissions.ATTRIBUTE,
            new JsonArray().add(permissions))));
    roleUsers.putIfAbsent(name, new LinkedHashSet<>());
    roleGroups.putIfAbsent(name, new LinkedHashSet<>());
    return this;
  }

  RealmStub mapUser(String role, String userId) {
    roleUsers.get(role).add(userId);
    return this;
  }

  RealmStub mapGroup(String role, String groupId) {
    roleGroups.get(role).add(groupId);
    return this;
  }

  /** Serves the model (replacing every earlier stub). */
  RealmStub publish() {
    server.resetMappings(); // the requests stay in the journal
    token();
    String admin = "/admin/realms/" + REALM;
    stub(get(urlPathEqualTo(admin + "/users")), new JsonArray(new ArrayList<>(users.values())));
    JsonArray top = new JsonArray();
    groupPaths.forEach((id, path) -> top.add(new JsonObject().put("id", id).put("name", path).put("path", "/" + path)
        .put("subGroupCount", 0)));
    stub(get(urlPathEqualTo(admin + "/groups")), top);
    groupMembers.forEach((id, members) -> stub(get(urlPathEqualTo(admin + "/groups/" + id + "/members")),
        ids(members)));
    stub(get(urlPathEqualTo(admin + "/roles")), new JsonArray(new ArrayList<>(roles.values())));
    roles.forEach((name, role) -> {
      stub(get(urlPathEqualTo(admin + "/roles/" + name)), role);
      stub(get(urlPathEqualTo(admin + "/roles/" + name + "/users")), ids(roleUsers.get(name)));
      stub(get(urlPathEqualTo(admin + "/roles/" + name + "/groups")), ids(roleGroups.get(name)));
    });
    server.stubFor(post(urlPathEqualTo(admin + "/roles")).willReturn(aResponse().withStatus(201)));
    server.stubFor(put(urlPathMatching(admin + "/roles/[^/]+")).willReturn(aResponse().withStatus(204)));
    server.stubFor(delete(urlPathMatching(admin + "/roles/[^/]+")).willReturn(aResponse().withStatus(204)));
    server.stubFor(post(urlPathMatching(admin + "/(users|groups)/[^/]+/role-mappings/realm"))
        .willReturn(aResponse().withStatus(204)));
    server.stubFor(delete(urlPathMatching(admin + "/(users|groups)/[^/]+/role-mappings/realm"))
        .willReturn(aResponse().withStatus(204)));
    return this;
  }

  void token() {
    server.stubFor(post(urlPathEqualTo("/realms/" + REALM + "/protocol/openid-connect/token"))
        .willReturn(json(200, new JsonObject().put("access_token", "stub-access-token").put("expires_in", 300)
            .put("refresh_expires_in", 0).put("token_type", "Bearer").put("not-before-policy", 0)
            .put("scope", "profile email"))));
  }

  /** Every admin API call answers {@code status}. */
  void failAdmin(int status) {
    server.stubFor(any(urlPathMatching("/admin/.*")).willReturn(json(status, new JsonObject()
        .put("error", "HTTP " + status))));
  }

  /** Requests to the admin API's role mappings, as "METHOD path". */
  List<String> mappingChanges() {
    return server.getAllServeEvents().stream().map(e -> e.getRequest())
        .filter(r -> r.getUrl().contains("/role-mappings/realm") && !"GET".equals(r.getMethod().value()))
        .sorted(java.util.Comparator.comparing(LoggedRequest::getLoggedDate))
        .map(r -> r.getMethod().value() + " " + r.getUrl() + " " + r.getBodyAsString()).toList();
  }

  private void stub(MappingBuilder request, Object body) {
    server.stubFor(request.willReturn(json(200, body)));
  }

  static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(int status, Object body) {
    String text = body instanceof JsonArray a ? a.encode() : ((JsonObject) body).encode();
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(text);
  }

  private static JsonArray ids(Set<String> ids) {
    JsonArray out = new JsonArray();
    ids.forEach(id -> out.add(new JsonObject().put("id", id)));
    return out;
  }

  private static String capitalised(String name) {
    return name.isEmpty() ? name : Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  @Override
  public void close() {
    server.stop();
  }
}
