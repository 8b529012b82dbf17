package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.identity.session.SessionStore;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.Map;
import java.util.Set;

/**
 * {@code /admin/v1/users/{id}/sessions}: a user's live sessions on every instance, by reference
 * (never by id), and revoking one or all of them (which needs {@code iam:write} and every
 * permission the user holds, as any change to the account).
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
    http.on(router, HttpMethod.GET, base, Set.of("limit", "cursor"), (who, call) -> store.read(c -> access.readable(c,
        who, call.path("id"))).compose(row -> identity.sessions().list(row.user().id())).map(sessions ->
        Reply.ok(AdminHttp.pageOf(sessions, SessionStore.Listed::ref, listed -> {
          JsonObject methods = new JsonObject();
          listed.session().authMethods().forEach((method, at) -> methods.put(method, at.toString()));
          return new JsonObject().put("ref", listed.ref()).put("createdAt", listed.session().createdAt().toString())
              .put("expiresAt", listed.session().expiresAt().toString()).put("methods", methods);
        }, call))));
    http.on(router, HttpMethod.DELETE, base, Set.of(), (who, call) -> writable(who, call.path("id"))
        .compose(user -> store.record(who, "sessions-revoke", user.user().tenantId(), "user", user.user().id(),
            Map.of("sessions", "all")).compose(v -> identity.revokeSignIns(user.user().id(), "admin-revoked")))
        .map(v -> Reply.noContent()));
    http.on(router, HttpMethod.DELETE, base + "/:ref", Set.of(), (who, call) -> {
      String ref = call.path("ref");
      return writable(who, call.path("id")).compose(user -> identity.sessions().list(user.user().id())
          .compose(live -> {
            if (live.stream().noneMatch(l -> l.ref().equals(ref))) {
              return Future.failedFuture(AdminError.notFound("session " + ref + " of user " + user.user().id()));
            }
            return store.record(who, "session-revoke", user.user().tenantId(), "user", user.user().id(),
                Map.of("session", ref)).compose(v -> identity.sessions().revoke(user.user().id(), ref))
                .compose(v -> store.audit().session("session.revoked", user.user().id(), ref, "admin-revoked"));
          })).map(v -> Reply.noContent());
    });
  }

  /** Ending sessions locks the user out for a while: not for an account stronger than the caller's. */
  private Future<dev.portcullis.gateway.identity.store.Directory.UserRow> writable(AdminCaller who, String userId) {
    return store.read(c -> access.writable(c, who, userId, "ending this user's sessions"));
  }
}
