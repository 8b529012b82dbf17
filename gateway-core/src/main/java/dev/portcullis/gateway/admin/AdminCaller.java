package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.identity.Reserved;
import dev.portcullis.plugin.Identity;

import java.util.Set;
import java.util.TreeSet;

/**
 * Who is calling the admin API, and what they may reach: a permission counts in the caller's own
 * tenant, and in every tenant only with {@code iam:all-tenants} held in the {@code system} tenant
 * (or {@code audit:all-tenants} for the audit trail) — a customer tenant's roles never reach beyond it.
 *
 * @param userId the caller's user id
 */
record AdminCaller(Identity identity, String method, String userId) {

  String subject() {
    return identity.subject();
  }

  boolean has(String permission) {
    return identity.permissions().contains(permission);
  }

  boolean allTenants() {
    return global(AdminPermissions.IAM_ALL_TENANTS);
  }

  /** A global permission counts only for a member of the system tenant. */
  boolean global(String permission) {
    return has(permission) && Reserved.SYSTEM_TENANT.equals(identity.tenant());
  }

  boolean escalates() {
    return global(AdminPermissions.IAM_ESCALATE);
  }

  /** Refuses unless the caller holds {@code permission} at all. */
  void require(String permission) {
    if (!has(permission)) {
      throw AdminError.forbidden("PERMISSION_REQUIRED", "this needs the permission " + permission);
    }
  }

  /** Refuses unless the caller holds {@code permission} in {@code tenant}. */
  void require(String permission, String tenant) {
    require(permission);
    if (!allTenants() && !tenant.equals(identity.tenant())) {
      throw AdminError.forbidden("TENANT_FORBIDDEN", "you may only reach your own tenant ("
          + (identity.tenant() == null ? "none" : identity.tenant()) + "), not '" + tenant + "'");
    }
  }

  /** The one tenant the caller is limited to, or null when it may reach every tenant. */
  String tenantScope() {
    return allTenants() ? null : identity.tenant() == null ? "" : identity.tenant();
  }

  /**
   * Refuses to hand out what the caller does not hold itself: a role's permissions, a binding, a
   * membership, a token, or the keys to an account more powerful than the caller's. Only
   * {@code iam:escalate} (iam-admin) lifts this.
   */
  void requireHolds(Set<String> permissions, String what) {
    if (escalates()) {
      return;
    }
    Set<String> missing = new TreeSet<>(permissions);
    missing.removeAll(identity.permissions());
    if (!missing.isEmpty()) {
      throw AdminError.forbidden("PRIVILEGE_ESCALATION", what + " would give permissions you do not hold: "
          + String.join(", ", missing));
    }
  }
}
