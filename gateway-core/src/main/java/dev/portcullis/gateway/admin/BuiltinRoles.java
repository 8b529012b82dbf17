package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.Reserved;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.Sql;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

/**
 * Makes sure every tenant has the built-in admin roles ({@link AdminPermissions#BUILTIN_ROLES}) with
 * exactly their permissions — {@code iam-admin} in the {@code system} tenant only — at start for the
 * tenants already there, and in the transaction that creates a tenant. A role of the same name made
 * before (not built-in) keeps its permissions and holders under a new name, {@code <name>-custom},
 * and the rename is logged: taking over its name must not silently change what its holders may do.
 */
final class BuiltinRoles {

  private static final Logger LOG = LoggerFactory.getLogger(BuiltinRoles.class);

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
      if (role.getKey().equals("iam-admin") && !tenant.equals(Reserved.SYSTEM_TENANT)) {
        continue;
      }
      String description = AdminPermissions.BUILTIN_DESCRIPTIONS.get(role.getKey());
      var existing = directory.roleByName(c, tenant, role.getKey());
      if (existing.isPresent() && !existing.get().builtin()) {
        String renamed = role.getKey() + "-custom";
        Sql.execute(c, "role", "UPDATE roles SET name = ?, version = version + 1 WHERE id = ?", renamed,
            existing.get().role().id());
        LOG.warn("Tenant {} had a role named '{}', now a built-in admin role: it is renamed '{}' and keeps its "
            + "permissions and holders", tenant, role.getKey(), renamed);
        existing = java.util.Optional.empty();
      }
      if (existing.isEmpty()) {
        directory.createRole(c, tenant, role.getKey(), description, role.getValue(), true);
        changed = true;
      } else if (!existing.get().role().permissions().equals(role.getValue())) {
        directory.updateRole(c, existing.get().role().id(), description, role.getValue(), existing.get().version());
        changed = true;
      }
    }
    return changed;
  }
}
