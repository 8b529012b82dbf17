package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.IamWriteThrough;
import dev.portcullis.gateway.identity.store.Directory;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/groups} and their members. Adding a member hands over what the group's
 * bindings grant, so it needs every one of those permissions, as does deleting the group.
 */
final class GroupsApi {

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}");

  private final AdminStore store;
  private final UserAccess access;
  private final IamWriteThrough source;
  private final Clock clock;

  GroupsApi(AdminStore store, UserAccess access, IamWriteThrough source, Clock clock) {
    this.store = store;
    this.access = access;
    this.source = source;
    this.clock = clock;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/groups";
    http.on(router, HttpMethod.GET, base, Set.of("tenant", "limit", "cursor"), this::list);
    http.on(router, HttpMethod.POST, base, Set.of(), this::create);
    http.on(router, HttpMethod.GET, base + "/:id", Set.of(), (who, call) -> store.read(c ->
        readable(c, who, call.path("id"))).map(g -> Reply.ok(AdminJson.group(g), g.version())));
    http.on(router, HttpMethod.PATCH, base + "/:id", Set.of(), this::rename);
    http.on(router, HttpMethod.DELETE, base + "/:id", Set.of(), this::delete);
    http.on(router, HttpMethod.GET, base + "/:id/members", Set.of("limit", "cursor"), this::members);
    http.on(router, HttpMethod.PUT, base + "/:id/members/:user", Set.of(), (who, call) -> membership(who, call, true));
    http.on(router, HttpMethod.DELETE, base + "/:id/members/:user", Set.of(), (who, call) -> membership(who, call,
        false));
  }

  private Future<Reply> list(AdminCaller who, AdminHttp.Call call) {
    String tenant = UsersApi.scopedTenant(who, call.query("tenant", UsersApi.TENANT, "a tenant id"),
        AdminPermissions.IAM_READ);
    int limit = call.limit();
    String after = call.cursor();
    return store.read(c -> store.directory().groups(c, tenant, after, limit))
        .map(page -> Reply.ok(AdminHttp.page(page.items().stream().map(AdminJson::group).toList(), page.next())));
  }

  private Future<Reply> create(AdminCaller who, AdminHttp.Call call) {
    UsersApi.refuseIfManaged(source);
    AdminHttp.Body body = call.body(Set.of("tenant", "name"));
    String tenant = body.string("tenant", false, UsersApi.TENANT, "a tenant id");
    String tenantId = tenant != null ? tenant : who.identity().tenant();
    if (tenantId == null) {
      throw AdminError.invalid("tenant", "is required (you belong to no tenant)");
    }
    who.require(AdminPermissions.IAM_WRITE, tenantId);
    String name = body.string("name", true, NAME, "1–128 letters, digits, spaces and . _ -");
    return store.change(who, (c, journal) -> {
      if (store.directory().tenant(c, tenantId).isEmpty()) {
        throw AdminError.invalid("tenant", "tenant '" + tenantId + "' does not exist");
      }
      Directory.GroupRow row = store.directory().createGroup(c, tenantId, name);
      journal.record("group-create", tenantId, "group", row.id(), Map.of("name", name));
      return row;
    }).map(row -> Reply.created(AdminJson.group(row), row.version()));
  }

  private Future<Reply> rename(AdminCaller who, AdminHttp.Call call) {
    UsersApi.refuseIfManaged(source);
    AdminHttp.Body body = call.body(Set.of("name"));
    String name = body.string("name", true, NAME, "1–128 letters, digits, spaces and . _ -");
    int version = call.ifMatch();
    String id = call.path("id");
    return store.change(who, (c, journal) -> {
      Directory.GroupRow row = writable(c, who, id, "renaming this group");
      if (!store.directory().renameGroup(c, id, name, version)) {
        throw AdminError.preconditionFailed("group " + id, row.version());
      }
      journal.record("group-update", row.tenantId(), "group", id, Map.of("name", name));
      return store.directory().group(c, id).orElseThrow();
    }).map(row -> Reply.ok(AdminJson.group(row), row.version()));
  }

  private Future<Reply> delete(AdminCaller who, AdminHttp.Call call) {
    UsersApi.refuseIfManaged(source);
    String id = call.path("id");
    Integer version = call.optionalIfMatch();
    return store.change(who, (c, journal) -> {
      Directory.GroupRow row = writable(c, who, id, "deleting this group");
      if (!store.directory().deleteGroup(c, id, version)) {
        throw AdminError.preconditionFailed("group " + id, row.version());
      }
      journal.record("group-delete", row.tenantId(), "group", id, Map.of("name", row.name()));
      return row;
    }).map(row -> {
      store.iam().tenantChanged(row.tenantId());
      return Reply.noContent();
    });
  }

  private Future<Reply> members(AdminCaller who, AdminHttp.Call call) {
    return store.read(c -> {
      readable(c, who, call.path("id"));
      java.util.List<JsonObject> members = new java.util.ArrayList<>();
      for (String userId : store.directory().members(c, call.path("id"))) {
        store.directory().user(c, userId).ifPresent(u -> members.add(new JsonObject().put("id", userId)
            .put("username", u.user().username())));
      }
      return Reply.ok(AdminHttp.pageOf(members, m -> m.getString("id"), m -> m, call));
    });
  }

  private Future<Reply> membership(AdminCaller who, AdminHttp.Call call, boolean add) {
    UsersApi.refuseIfManaged(source);
    String id = call.path("id");
    String userId = call.path("user");
    return store.change(who, (c, journal) -> {
      Directory.GroupRow group = writable(c, who, id, add ? "adding a member to this group"
          : "removing a member from this group");
      Directory.UserRow user = store.directory().user(c, userId).orElseThrow(() -> AdminError.notFound("user "
          + userId));
      if (!user.user().tenantId().equals(group.tenantId())) {
        throw AdminError.invalid("user", "user " + userId + " belongs to another tenant than the group");
      }
      if (add) {
        BindingsApi.refuseSelfGrant(c, who, userId, null);
        Set<String> granted = store.directory().groupPermissions(c, id, clock.instant());
        access.horizon(c, who, granted).ifPresent(until -> {
          throw AdminError.forbidden("PRIVILEGE_ESCALATION", "a membership does not end, and you hold this group's "
              + "permissions only until " + until + "; bind its roles with validUntil instead");
        });
      }
      boolean changed = add ? store.directory().addMember(c, id, userId) : store.directory().removeMember(c, id,
          userId);
      if (!changed && !add) {
        throw AdminError.notFound("membership of user " + userId + " in group " + id);
      }
      if (changed) {
        journal.record(add ? "group-member-add" : "group-member-remove", group.tenantId(), "group", id,
            Map.of("user", userId));
      }
      return changed;
    }).map(changed -> {
      store.iam().userChanged(userId);
      return Reply.noContent();
    });
  }

  private Directory.GroupRow readable(Connection c, AdminCaller who, String id) throws SQLException {
    Directory.GroupRow row = store.directory().group(c, id).orElseThrow(() -> AdminError.notFound("group " + id));
    who.require(AdminPermissions.IAM_READ, row.tenantId());
    return row;
  }

  private Directory.GroupRow writable(Connection c, AdminCaller who, String id, String what) throws SQLException {
    Directory.GroupRow row = store.directory().group(c, id).orElseThrow(() -> AdminError.notFound("group " + id));
    who.require(AdminPermissions.IAM_WRITE, row.tenantId());
    who.requireHolds(store.directory().groupPermissions(c, id, clock.instant()), what);
    return row;
  }
}
