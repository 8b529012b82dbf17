package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.Sql;

import javax.sql.DataSource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads the IAM store the way the tests of the mirror need (the store has no such queries of its own yet). */
final class MirrorFixtures {

  private MirrorFixtures() {
  }

  static Role role(DataSource db, String tenant, String name) {
    return Sql.withConnection(db, "test", c -> {
      List<String[]> rows = Sql.query(c, "SELECT id, description FROM roles WHERE tenant_id = ? AND name = ?",
          rs -> new String[] {rs.getString(1), rs.getString(2)}, tenant, name);
      if (rows.isEmpty()) {
        throw new AssertionError("no role '" + name + "' in tenant " + tenant);
      }
      Set<String> permissions = new HashSet<>(Sql.query(c, "SELECT permission FROM role_permissions "
          + "WHERE role_id = ?", rs -> rs.getString(1), rows.get(0)[0]));
      return new Role(rows.get(0)[0], tenant, name, rows.get(0)[1], permissions);
    });
  }

  /** Role names of a tenant. */
  static Set<String> roleNames(DataSource db, String tenant) {
    return Set.copyOf(Sql.withConnection(db, "test", c -> Sql.query(c, "SELECT name FROM roles WHERE tenant_id = ?",
        rs -> rs.getString(1), tenant)));
  }

  /** "role holder granted_by" of every binding in the tenant, holder being user:<id> or group:<id>. */
  static Set<String> bindings(DataSource db, String tenant) {
    return Set.copyOf(Sql.withConnection(db, "test", c -> Sql.query(c, "SELECT r.name, b.user_id, b.group_id, "
        + "b.granted_by FROM role_bindings b JOIN roles r ON r.id = b.role_id WHERE r.tenant_id = ?",
        rs -> rs.getString(1) + " " + (rs.getString(2) != null ? "user:" + rs.getString(2)
            : "group:" + rs.getString(3)) + " " + rs.getString(4), tenant)));
  }

  /** Members of a group, by the group's name. */
  static Set<String> members(DataSource db, String tenant, String group) {
    return Set.copyOf(Sql.withConnection(db, "test", c -> Sql.query(c, "SELECT m.user_id FROM group_members m "
        + "JOIN user_groups g ON g.id = m.group_id WHERE g.tenant_id = ? AND g.name = ?", rs -> rs.getString(1),
        tenant, group)));
  }
}
