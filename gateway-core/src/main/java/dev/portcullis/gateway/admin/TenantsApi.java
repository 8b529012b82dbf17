package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.store.Directory;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

import java.util.Map;
import java.util.Set;

/**
 * {@code /admin/v1/tenants}: every caller with {@code iam:read} sees its own tenant; creating and
 * renaming tenants, and seeing all of them, needs {@code iam:all-tenants}. A new tenant gets the
 * built-in admin roles at once.
 */
final class TenantsApi {

  private final AdminStore store;
  private final BuiltinRoles builtins;

  TenantsApi(AdminStore store, BuiltinRoles builtins) {
    this.store = store;
    this.builtins = builtins;
  }

  void mount(Router router, AdminHttp http) {
    http.on(router, HttpMethod.GET, "/admin/v1/tenants", Set.of("limit", "cursor"), this::list);
    http.on(router, HttpMethod.POST, "/admin/v1/tenants", Set.of(), this::create);
    http.on(router, HttpMethod.GET, "/admin/v1/tenants/:id", Set.of(), (who, call) -> {
      who.require(AdminPermissions.IAM_READ, call.path("id"));
      return store.read(c -> store.directory().tenant(c, call.path("id"))
          .orElseThrow(() -> AdminError.notFound("tenant " + call.path("id"))))
          .map(t -> Reply.ok(AdminJson.tenant(t), t.version()));
    });
    http.on(router, HttpMethod.PATCH, "/admin/v1/tenants/:id", Set.of(), this::rename);
  }

  private Future<Reply> list(AdminCaller who, AdminHttp.Call call) {
    who.require(AdminPermissions.IAM_READ);
    String scope = who.tenantScope();
    int limit = call.limit();
    String after = call.cursor();
    return store.read(c -> store.directory().tenants(c, scope == null ? null : Set.of(scope), after, limit))
        .map(page -> Reply.ok(AdminHttp.page(page.items().stream().map(AdminJson::tenant).toList(), page.next())));
  }

  private Future<Reply> create(AdminCaller who, AdminHttp.Call call) {
    requireGlobalWriter(who);
    AdminHttp.Body body = call.body(Set.of("id", "name"));
    String id = body.string("id", true, UsersApi.TENANT, "1–63 lower-case letters, digits and -");
    String name = body.string("name", true, 200);
    return store.change(who, (c, journal) -> {
      if (store.directory().tenant(c, id).isPresent()) {
        throw AdminError.conflict("CONFLICT", "tenant '" + id + "' already exists");
      }
      Directory.TenantRow row = store.directory().createTenant(c, id, name);
      journal.record("tenant-create", id, "tenant", id, Map.of("name", name));
      builtins.ensure(c, id);
      return row;
    }).map(row -> Reply.created(AdminJson.tenant(row), row.version()));
  }

  private static void requireGlobalWriter(AdminCaller who) {
    who.require(AdminPermissions.IAM_WRITE);
    if (!who.allTenants()) {
      throw AdminError.forbidden("PERMISSION_REQUIRED", "creating or renaming tenants needs "
          + AdminPermissions.IAM_ALL_TENANTS + " in the system tenant");
    }
  }

  private Future<Reply> rename(AdminCaller who, AdminHttp.Call call) {
    String id = call.path("id");
    requireGlobalWriter(who);
    AdminHttp.Body body = call.body(Set.of("name"));
    String name = body.string("name", true, 200);
    int version = call.ifMatch();
    return store.change(who, (c, journal) -> {
      Directory.TenantRow row = store.directory().tenant(c, id).orElseThrow(() -> AdminError.notFound("tenant "
          + id));
      if (!store.directory().renameTenant(c, id, name, version)) {
        throw AdminError.preconditionFailed("tenant " + id, row.version());
      }
      journal.record("tenant-update", id, "tenant", id, Map.of("name", name));
      return store.directory().tenant(c, id).orElseThrow();
    }).map(row -> Reply.ok(AdminJson.tenant(row), row.version()));
  }
}
