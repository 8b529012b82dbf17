package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.Grant;
import dev.portcullis.gateway.identity.store.JdbcIamStore;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a user for an admin action and checks that the caller may act on it: the permission in
 * the user's tenant, and — for anything that changes the account — holding every permission the
 * user holds now, so that nobody takes over (or hands a token for) an account stronger than their own.
 */
final class UserAccess {

  private final Directory directory;
  private final JdbcIamStore store;
  private final java.time.Clock clock;

  UserAccess(Directory directory, JdbcIamStore store, java.time.Clock clock) {
    this.directory = directory;
    this.store = store;
    this.clock = clock;
  }

  Directory.UserRow readable(Connection c, AdminCaller who, String userId) throws SQLException {
    Directory.UserRow row = directory.user(c, userId).orElseThrow(() -> AdminError.notFound("user " + userId));
    who.require(AdminPermissions.IAM_READ, row.user().tenantId());
    return row;
  }

  Directory.UserRow writable(Connection c, AdminCaller who, String userId, String what) throws SQLException {
    Directory.UserRow row = directory.user(c, userId).orElseThrow(() -> AdminError.notFound("user " + userId));
    who.require(AdminPermissions.IAM_WRITE, row.user().tenantId());
    who.requireHolds(permissionsNow(row, clock.instant()), what);
    return row;
  }

  /** What the user's bindings in their own tenant grant at {@code now}, whatever the account's status. */
  Set<String> permissionsNow(Directory.UserRow row, Instant now) {
    Set<String> out = new TreeSet<>();
    for (Grant g : store.grantsOf(row.user().id())) {
      if (g.tenantId().equals(row.user().tenantId()) && g.activeAt(now)) {
        out.addAll(g.permissions());
      }
    }
    return out;
  }
}
