package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.Grant;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads a user for an admin action and checks that the caller may act on it: the permission in
 * the user's tenant, and — for anything that changes the account or its access — holding every
 * permission the user holds or is scheduled to hold, so that nobody takes over (or locks out, or
 * hands a token for) an account stronger than their own. Also bounds what a caller may grant in
 * time: no longer than the caller itself holds it.
 */
final class UserAccess {

  private final Directory directory;
  private final Clock clock;

  UserAccess(Directory directory, Clock clock) {
    this.directory = directory;
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
    who.requireHolds(permissionsOf(c, row, clock.instant()), what);
    return row;
  }

  /**
   * What the user's bindings in their own tenant grant now or later (a binding that starts next
   * week counts already), whatever the account's status.
   */
  Set<String> permissionsOf(Connection c, Directory.UserRow row, Instant now) throws SQLException {
    Set<String> out = new TreeSet<>();
    for (Grant g : Directory.grants(c, row.user().id())) {
      if (g.tenantId().equals(row.user().tenantId()) && (g.validUntil() == null || now.isBefore(g.validUntil()))) {
        out.addAll(g.permissions());
      }
    }
    return out;
  }

  /** What the user holds at {@code now} (a token can be scoped to no more). */
  Set<String> permissionsNow(Connection c, Directory.UserRow row, Instant now) throws SQLException {
    Set<String> out = new TreeSet<>();
    for (Grant g : Directory.grants(c, row.user().id())) {
      if (g.tenantId().equals(row.user().tenantId()) && g.activeAt(now)) {
        out.addAll(g.permissions());
      }
    }
    return out;
  }

  /**
   * Until when the caller holds all of {@code permissions} (empty: with no end), for a grant it
   * makes to end no later. Callers with {@code iam:escalate} are not bounded.
   */
  Optional<Instant> horizon(Connection c, AdminCaller who, Set<String> permissions) throws SQLException {
    if (who.escalates() || permissions.isEmpty()) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    Instant earliest = null;
    var grants = Directory.grants(c, who.userId());
    for (String permission : permissions) {
      Instant latest = Instant.MIN;
      for (Grant g : grants) {
        if (g.tenantId().equals(who.identity().tenant()) && g.activeAt(now) && g.permissions().contains(permission)) {
          if (g.validUntil() == null) {
            latest = null;
            break;
          }
          latest = latest.isAfter(g.validUntil()) ? latest : g.validUntil();
        }
      }
      if (latest != null && (earliest == null || latest.isBefore(earliest))) {
        earliest = latest;
      }
    }
    return Optional.ofNullable(earliest);
  }
}
