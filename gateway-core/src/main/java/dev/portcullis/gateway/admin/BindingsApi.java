package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.IamWriteThrough;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.RoleBinding;
import dev.portcullis.gateway.identity.store.Sql;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/bindings}: who holds which role of their tenant, optionally only from
 * {@code validFrom} until {@code validUntil} (enforced at each request by the clock), always with
 * a reason. Granting or removing a binding needs every permission of its role.
 */
final class BindingsApi {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9-]{1,64}");

  private final AdminStore store;
  private final UserAccess access;
  private final IamWriteThrough source;
  private final Clock clock;

  BindingsApi(AdminStore store, UserAccess access, IamWriteThrough source, Clock clock) {
    this.store = store;
    this.access = access;
    this.source = source;
    this.clock = clock;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/bindings";
    http.on(router, HttpMethod.GET, base, Set.of("tenant", "user", "group", "role", "limit", "cursor"), this::list);
    http.on(router, HttpMethod.POST, base, Set.of(), this::create);
    http.on(router, HttpMethod.GET, base + "/:id", Set.of(), (who, call) -> store.read(c -> {
      Directory.BindingRow row = find(c, call.path("id"));
      who.require(AdminPermissions.IAM_READ, row.role().tenantId());
      return Reply.ok(AdminJson.binding(row, clock.instant()));
    }));
    http.on(router, HttpMethod.DELETE, base + "/:id", Set.of(), this::delete);
  }

  private Future<Reply> list(AdminCaller who, AdminHttp.Call call) {
    String tenant = UsersApi.scopedTenant(who, call.query("tenant", UsersApi.TENANT, "a tenant id"),
        AdminPermissions.IAM_READ);
    String user = call.query("user", ID, "a user id");
    String group = call.query("group", ID, "a group id");
    String role = call.query("role", ID, "a role id");
    int limit = call.limit();
    String after = call.cursor();
    Instant now = clock.instant();
    return store.read(c -> store.directory().bindings(c, tenant, user, group, role, after, limit))
        .map(page -> Reply.ok(AdminHttp.page(page.items().stream().map(b -> AdminJson.binding(b, now)).toList(),
            page.next())));
  }

  private Future<Reply> create(AdminCaller who, AdminHttp.Call call) {
    AdminHttp.Body body = call.body(Set.of("role", "user", "group", "validFrom", "validUntil", "reason"));
    String roleName = body.string("role", true, RolesApi.NAME, "the name of a role of the holder's tenant");
    String userId = body.string("user", false, ID, "a user id");
    String groupId = body.string("group", false, ID, "a group id");
    if ((userId == null) == (groupId == null)) {
      throw AdminError.invalid(userId == null ? "user" : "group", "name exactly one holder: a user or a group");
    }
    Instant validFrom = body.instant("validFrom");
    Instant validUntil = body.instant("validUntil");
    Instant now = clock.instant();
    if (validUntil != null && !validUntil.isAfter(now)) {
      throw AdminError.invalid("validUntil", "must be in the future");
    }
    if (validFrom != null && validUntil != null && !validFrom.isBefore(validUntil)) {
      throw AdminError.invalid("validFrom", "must be before validUntil");
    }
    String reason = body.string("reason", true, 500);
    return store.change(who, (c, journal) -> {
      String tenant = holderTenant(c, userId, groupId);
      who.require(AdminPermissions.IAM_WRITE, tenant);
      Directory.RoleRow role = store.directory().roleByName(c, tenant, roleName)
          .orElseThrow(() -> AdminError.invalid("role", "tenant " + tenant + " has no role '" + roleName + "'"));
      who.requireHolds(role.role().permissions(), "binding role '" + roleName + "'");
      refuseSelfGrant(c, who, userId, groupId);
      var horizon = access.horizon(c, who, role.role().permissions());
      if (horizon.isPresent() && (validUntil == null || validUntil.isAfter(horizon.get()))) {
        throw AdminError.forbidden("PRIVILEGE_ESCALATION", "you hold the permissions of role '" + roleName
            + "' only until " + horizon.get() + ": the binding must end by then (validUntil)");
      }
      RoleBinding binding = store.directory().createBinding(c, role.role().id(), userId, groupId, validFrom,
          validUntil, reason, who.subject());
      Map<String, String> changes = new LinkedHashMap<>();
      changes.put("role", roleName);
      changes.put(userId != null ? "user" : "group", userId != null ? userId : groupId);
      changes.put("validFrom", AdminHttp.iso(validFrom));
      changes.put("validUntil", AdminHttp.iso(validUntil));
      changes.put("reason", reason);
      journal.record("binding-create", tenant, "binding", binding.id(), changes);
      source.bindingCreated(binding, role.role());
      return new Directory.BindingRow(binding, role.role());
    }).map(row -> {
      changed(row);
      return Reply.created(AdminJson.binding(row, clock.instant()), null);
    });
  }

  private Future<Reply> delete(AdminCaller who, AdminHttp.Call call) {
    String id = call.path("id");
    return store.change(who, (c, journal) -> {
      Directory.BindingRow row = find(c, id);
      who.require(AdminPermissions.IAM_WRITE, row.role().tenantId());
      if (row.role().name().startsWith("route-approval:")) {
        who.require(AdminPermissions.APPROVE, row.role().tenantId()); // cutting an approved access short
      } else {
        who.requireHolds(row.role().permissions(), "removing a binding of role '" + row.role().name() + "'");
      }
      journal.record("binding-delete", row.role().tenantId(), "binding", id, Map.of("role", row.role().name(),
          row.binding().userId() != null ? "user" : "group", row.binding().userId() != null
              ? row.binding().userId() : row.binding().groupId()));
      store.directory().deleteBinding(c, id);
      source.bindingDeleted(row.binding(), row.role());
      return row;
    }).map(row -> {
      changed(row);
      return Reply.noContent();
    });
  }

  private void changed(Directory.BindingRow row) {
    if (row.binding().userId() != null) {
      store.iam().userChanged(row.binding().userId());
    } else {
      store.iam().tenantChanged(row.role().tenantId()); // every member's grants
    }
  }

  /** Nobody widens their own access (directly or through a group they are in) without iam:escalate. */
  static void refuseSelfGrant(Connection c, AdminCaller who, String userId, String groupId) throws SQLException {
    if (who.escalates()) {
      return;
    }
    boolean self = who.userId() != null && (who.userId().equals(userId) || (groupId != null
        && !Sql.query(c, "SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?", rs -> 1, groupId,
        who.userId()).isEmpty()));
    if (self) {
      throw AdminError.forbidden("SELF_GRANT", "you cannot grant yourself access (directly or through a group you "
          + "are in); ask another administrator");
    }
  }

  private String holderTenant(Connection c, String userId, String groupId) throws SQLException {
    if (userId != null) {
      return store.directory().user(c, userId).orElseThrow(() -> AdminError.invalid("user", "user " + userId
          + " does not exist")).user().tenantId();
    }
    return store.directory().group(c, groupId).orElseThrow(() -> AdminError.invalid("group", "group " + groupId
        + " does not exist")).tenantId();
  }

  private Directory.BindingRow find(Connection c, String id) throws SQLException {
    return store.directory().binding(c, id).orElseThrow(() -> AdminError.notFound("binding " + id));
  }
}
