package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.IamWriteThrough;
import dev.portcullis.gateway.identity.store.Directory;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/roles}: a tenant's roles and their {@code resource:action} permissions. Nobody
 * creates, widens or removes a role with permissions they do not hold; the built-in admin roles
 * cannot be changed here.
 */
final class RolesApi {

  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  static final Pattern PERMISSION = Pattern.compile("[a-z][a-z0-9._-]{0,63}:[a-z][a-z0-9._-]{0,63}");
  private static final String PERMISSION_SHAPE = "a permission resource:action (lower-case, e.g. records:read)";

  private final AdminStore store;
  private final UserAccess access;
  private final IamWriteThrough source;

  RolesApi(AdminStore store, UserAccess access, IamWriteThrough source) {
    this.store = store;
    this.access = access;
    this.source = source;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/roles";
    http.on(router, HttpMethod.GET, base, Set.of("tenant", "limit", "cursor"), this::list);
    http.on(router, HttpMethod.POST, base, Set.of(), this::create);
    http.on(router, HttpMethod.GET, base + "/:id", Set.of(), (who, call) -> store.read(c -> {
      Directory.RoleRow row = find(c, call.path("id"));
      who.require(AdminPermissions.IAM_READ, row.role().tenantId());
      return Reply.ok(AdminJson.role(row), row.version());
    }));
    http.on(router, HttpMethod.PATCH, base + "/:id", Set.of(), this::update);
    http.on(router, HttpMethod.DELETE, base + "/:id", Set.of(), this::delete);
  }

  private Future<Reply> list(AdminCaller who, AdminHttp.Call call) {
    String tenant = UsersApi.scopedTenant(who, call.query("tenant", UsersApi.TENANT, "a tenant id"),
        AdminPermissions.IAM_READ);
    int limit = call.limit();
    String after = call.cursor();
    return store.read(c -> store.directory().roles(c, tenant, after, limit))
        .map(page -> Reply.ok(AdminHttp.page(page.items().stream().map(AdminJson::role).toList(), page.next())));
  }

  private Future<Reply> create(AdminCaller who, AdminHttp.Call call) {
    AdminHttp.Body body = call.body(Set.of("tenant", "name", "description", "permissions"));
    String tenant = body.string("tenant", false, UsersApi.TENANT, "a tenant id");
    String tenantId = tenant != null ? tenant : who.identity().tenant();
    if (tenantId == null) {
      throw AdminError.invalid("tenant", "is required (you belong to no tenant)");
    }
    who.require(AdminPermissions.IAM_WRITE, tenantId);
    String name = body.string("name", true, NAME, "1–128 lower-case letters, digits and . _ -");
    if (AdminPermissions.BUILTIN_ROLES.containsKey(name)) {
      throw AdminError.conflict("BUILTIN_ROLE", "'" + name + "' is a built-in admin role and exists in every "
          + "tenant already");
    }
    String description = body.string("description", false, 500);
    Set<String> permissions = new LinkedHashSet<>(body.strings("permissions", true, 200, PERMISSION,
        PERMISSION_SHAPE));
    refuseReserved(List.copyOf(permissions));
    who.requireHolds(permissions, "a role with these permissions");
    return store.change(who, (c, journal) -> {
      if (store.directory().tenant(c, tenantId).isEmpty()) {
        throw AdminError.invalid("tenant", "tenant '" + tenantId + "' does not exist");
      }
      if (store.directory().roleByName(c, tenantId, name).isPresent()) {
        throw AdminError.conflict("CONFLICT", "role '" + name + "' already exists in tenant " + tenantId);
      }
      Directory.RoleRow row = store.directory().createRole(c, tenantId, name, description, permissions, false);
      journal.record("role-create", tenantId, "role", row.role().id(), Map.of("name", name,
          "permissions", String.join(" ", row.role().permissions().stream().sorted().toList())));
      source.roleCreated(row.role());
      return row;
    }).map(row -> {
      store.iam().tenantChanged(tenantId);
      return Reply.created(AdminJson.role(row), row.version());
    });
  }

  private Future<Reply> update(AdminCaller who, AdminHttp.Call call) {
    AdminHttp.Body body = call.body(Set.of("description", "permissions"));
    int version = call.ifMatch();
    String id = call.path("id");
    List<String> asked = body.strings("permissions", false, 200, PERMISSION, PERMISSION_SHAPE);
    if (asked != null) {
      refuseReserved(asked);
    }
    return store.change(who, (c, journal) -> {
      Directory.RoleRow row = changeable(c, who, id, "changing this role");
      Set<String> permissions = asked == null ? row.role().permissions() : new LinkedHashSet<>(asked);
      who.requireHolds(permissions, "these permissions");
      refuseOutlastingGrant(c, who, row, permissions);
      String description = body.has("description") ? body.string("description", false, 500)
          : row.role().description();
      if (!store.directory().updateRole(c, id, description, permissions, version)) {
        throw AdminError.preconditionFailed("role " + id, row.version());
      }
      Directory.RoleRow updated = store.directory().role(c, id).orElseThrow();
      Map<String, String> changes = new java.util.LinkedHashMap<>();
      if (body.has("description")) {
        changes.put("description", description);
      }
      if (asked != null) {
        Set<String> added = new java.util.TreeSet<>(permissions);
        added.removeAll(row.role().permissions());
        Set<String> removed = new java.util.TreeSet<>(row.role().permissions());
        removed.removeAll(permissions);
        changes.put("permissionsAdded", String.join(" ", added));
        changes.put("permissionsRemoved", String.join(" ", removed));
      }
      journal.record("role-update", row.role().tenantId(), "role", id, changes);
      source.roleUpdated(row.role(), updated.role());
      return updated;
    }).map(row -> {
      store.iam().tenantChanged(row.role().tenantId());
      return Reply.ok(AdminJson.role(row), row.version());
    });
  }

  private Future<Reply> delete(AdminCaller who, AdminHttp.Call call) {
    String id = call.path("id");
    Integer version = call.optionalIfMatch();
    return store.change(who, (c, journal) -> {
      Directory.RoleRow row = changeable(c, who, id, "deleting this role");
      if (!store.directory().deleteRole(c, id, version)) {
        throw AdminError.preconditionFailed("role " + id, row.version());
      }
      journal.record("role-delete", row.role().tenantId(), "role", id, Map.of("name", row.role().name()));
      source.roleDeleted(row.role());
      return row;
    }).map(row -> {
      store.iam().tenantChanged(row.role().tenantId());
      return Reply.noContent();
    });
  }

  /**
   * A permission added to a role reaches its holders for as long as their bindings last, so the
   * same rule as for a new binding holds: nobody hands one out for longer than they hold it.
   */
  private void refuseOutlastingGrant(Connection c, AdminCaller who, Directory.RoleRow row, Set<String> permissions)
      throws SQLException {
    Set<String> added = new HashSet<>(permissions);
    added.removeAll(row.role().permissions());
    var horizon = access.horizon(c, who, added);
    if (horizon.isPresent() && store.directory().roleBoundPast(c, row.role().id(), horizon.get())) {
      throw AdminError.forbidden("PRIVILEGE_ESCALATION", "you hold the added permissions only until "
          + horizon.get() + ", and a binding of this role lasts longer; end its bindings by then first");
    }
  }

  /** Global permissions belong to the built-in iam-admin; approval:* only to approved route access. */
  private static void refuseReserved(List<String> permissions) {
    for (int i = 0; i < permissions.size(); i++) {
      if (!dev.portcullis.gateway.identity.Reserved.allowedInCustomRole(permissions.get(i))) {
        throw AdminError.invalid("permissions[" + i + "]", "'" + permissions.get(i) + "' is reserved: "
            + (permissions.get(i).startsWith("approval:") ? "it comes only from an approved access request"
            : "only the built-in iam-admin role of the system tenant carries it"));
      }
    }
  }

  private Directory.RoleRow find(Connection c, String id) throws SQLException {
    return store.directory().role(c, id).filter(r -> !r.role().name().startsWith("route-approval:"))
        .orElseThrow(() -> AdminError.notFound("role " + id));
  }

  private Directory.RoleRow changeable(Connection c, AdminCaller who, String id, String what) throws SQLException {
    Directory.RoleRow row = find(c, id);
    who.require(AdminPermissions.IAM_WRITE, row.role().tenantId());
    if (row.builtin()) {
      throw AdminError.conflict("BUILTIN_ROLE", "'" + row.role().name() + "' is a built-in admin role and cannot "
          + "be changed or deleted");
    }
    who.requireHolds(new HashSet<>(row.role().permissions()), what);
    return row;
  }
}
