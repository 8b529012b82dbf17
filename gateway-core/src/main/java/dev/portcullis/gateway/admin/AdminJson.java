package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.store.ApiToken;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.User;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

import static dev.portcullis.gateway.admin.AdminHttp.iso;

/** How the admin API writes the IAM store's objects (the OpenAPI document's schemas). */
final class AdminJson {

  private AdminJson() {
  }

  static JsonObject tenant(Directory.TenantRow t) {
    return new JsonObject().put("id", t.id()).put("name", t.name()).put("createdAt", iso(t.createdAt()))
        .put("version", t.version());
  }

  static JsonObject user(Directory.UserRow row) {
    User u = row.user();
    return new JsonObject().put("id", u.id()).put("tenant", u.tenantId()).put("username", u.username())
        .put("email", u.email()).put("displayName", u.displayName())
        .put("status", u.status().name().toLowerCase(Locale.ROOT)).put("hasPassword", u.passwordHash() != null)
        .put("createdAt", iso(u.createdAt())).put("updatedAt", iso(u.updatedAt())).put("version", row.version());
  }

  static JsonObject group(Directory.GroupRow g) {
    return new JsonObject().put("id", g.id()).put("tenant", g.tenantId()).put("name", g.name())
        .put("createdAt", iso(g.createdAt())).put("version", g.version());
  }

  static JsonObject role(Directory.RoleRow r) {
    return new JsonObject().put("id", r.role().id()).put("tenant", r.role().tenantId()).put("name", r.role().name())
        .put("description", r.role().description())
        .put("permissions", new JsonArray(new ArrayList<>(new TreeSet<>(r.role().permissions()))))
        .put("builtin", r.builtin()).put("createdAt", iso(r.createdAt())).put("version", r.version());
  }

  static JsonObject binding(Directory.BindingRow row, java.time.Instant now) {
    var b = row.binding();
    boolean active = (b.validFrom() == null || !now.isBefore(b.validFrom()))
        && (b.validUntil() == null || now.isBefore(b.validUntil()));
    return new JsonObject().put("id", b.id()).put("tenant", row.role().tenantId()).put("roleId", b.roleId())
        .put("role", row.role().name()).put("user", b.userId()).put("group", b.groupId())
        .put("validFrom", iso(b.validFrom())).put("validUntil", iso(b.validUntil())).put("reason", b.reason())
        .put("grantedBy", b.grantedBy()).put("createdAt", iso(b.createdAt())).put("active", active);
  }

  static JsonObject token(ApiToken t) {
    return new JsonObject().put("id", t.id()).put("user", t.userId()).put("name", t.name())
        .put("scopes", new JsonArray(new ArrayList<>(new TreeSet<>(t.scopes()))))
        .put("expiresAt", iso(t.expiresAt())).put("lastUsedAt", iso(t.lastUsedAt()))
        .put("revokedAt", iso(t.revokedAt())).put("createdAt", iso(t.createdAt()));
  }

  static JsonObject networkSet(Directory.NetworkSet n) {
    return new JsonObject().put("name", n.name()).put("description", n.description())
        .put("cidrs", new JsonArray(new ArrayList<>(n.cidrs()))).put("version", n.version())
        .put("updatedAt", iso(n.updatedAt()));
  }

  static JsonArray strings(List<String> values) {
    return new JsonArray(new ArrayList<>(values));
  }
}
