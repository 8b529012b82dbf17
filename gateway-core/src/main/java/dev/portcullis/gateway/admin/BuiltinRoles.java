package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.Sql;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

/**
 * Makes sure every tenant has the built-in admin roles ({@link AdminPermissions#BUILTIN_ROLES})
 * with exactly their permissions: at start for the tenants already there (also bringing roles of
 * an older version up to date), and in the transaction that creates a tenant.
 */
final class BuiltinRoles {

  private final Directory directory;

  BuiltinRoles(Directory directory) {
    this.directory = directory;
  }

  /** Blocking: call from a worker. Returns the tenants whose built-in roles changed. */
  Set<String> ensureAll(DataSource db) {
    return Sql.inTransaction(db, "built-in admin roles", c -> {
      Set<String> changed = new java.util.TreeSet<>();
      for (String tenant : Sql.query(c, "SELECT id FROM tenants ORDER BY id", rs -> rs.getString(1))) {
        if (ensure(c, tenant)) {
          changed.add(tenant);
        }
      }
      return changed;
    });
  }

  /** Creates or corrects the tenant's built-in roles; returns whether anything changed. */
  boolean ensure(Connection c, String tenant) throws SQLException {
    boolean changed = false;
    for (Map.Entry<String, Set<String>> role : AdminPermissions.BUILTIN_ROLES.entrySet()) {
      String description = AdminPermissions.BUILTIN_DESCRIPTIONS.get(role.getKey());
      var existing = directory.roleByName(c, tenant, role.getKey());
      if (existing.isEmpty()) {
        directory.createRole(c, tenant, role.getKey(), description, role.getValue(), true);
        changed = true;
      } else if (!existing.get().role().permissions().equals(role.getValue()) || !existing.get().builtin()) {
        Sql.execute(c, "role", "UPDATE roles SET builtin = TRUE WHERE id = ?", existing.get().role().id());
        directory.updateRole(c, existing.get().role().id(), description, role.getValue(), existing.get().version());
        changed = true;
      }
    }
    return changed;
  }
}
