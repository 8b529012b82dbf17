package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.IdentityServices;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.Map;
import java.util.Set;

/**
 * {@code /admin/v1/users/{id}/sessions}: a user's live sessions on every instance, by reference
 * (never by id), and revoking one or all of them. Revoking takes power away, so the tenant's
 * {@code iam:write} is enough.
 */
final class SessionsApi {

  private final AdminStore store;
  private final UserAccess access;
  private final IdentityServices identity;

  SessionsApi(AdminStore store, UserAccess access, IdentityServices identity) {
    this.store = store;
    this.access = access;
    this.identity = identity;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/users/:id/sessions";
    http.on(router, HttpMethod.GET, base, Set.of(), (who, call) -> store.read(c -> access.readable(c, who,
        call.path("id"))).compose(row -> identity.sessions().list(row.user().id())).map(sessions -> {
          JsonArray items = new JsonArray();
          for (var listed : sessions) {
            JsonObject methods = new JsonObject();
            listed.session().authMethods().forEach((method, at) -> methods.put(method, at.toString()));
            items.add(new JsonObject().put("ref", listed.ref()).put("createdAt", listed.session().createdAt()
                .toString()).put("expiresAt", listed.session().expiresAt().toString()).put("methods", methods));
          }
          return Reply.ok(new JsonObject().put("items", items));
        }));
    http.on(router, HttpMethod.DELETE, base, Set.of(), (who, call) -> writable(who, call.path("id"))
        .compose(userId -> store.record(who, "sessions-revoke", "user", userId, Map.of("sessions", "all"))
            .compose(v -> identity.revokeSignIns(userId, "admin-revoked")))
        .map(v -> Reply.noContent()));
    http.on(router, HttpMethod.DELETE, base + "/:ref", Set.of(), (who, call) -> writable(who, call.path("id"))
        .compose(userId -> store.record(who, "session-revoke", "user", userId, Map.of("session", call.path("ref")))
            .compose(v -> identity.sessions().revoke(userId, call.path("ref")))
            .compose(found -> {
              if (!found) {
                return Future.failedFuture(AdminError.notFound("session " + call.path("ref") + " of user " + userId));
              }
              return store.audit().session("session.revoked", userId, call.path("ref"), "admin-revoked").mapEmpty();
            }))
        .map(v -> Reply.noContent()));
  }

  private Future<String> writable(AdminCaller who, String userId) {
    return store.read(c -> {
      var row = access.readable(c, who, userId);
      who.require(AdminPermissions.IAM_WRITE, row.user().tenantId());
      return row.user().id();
    });
  }
}
