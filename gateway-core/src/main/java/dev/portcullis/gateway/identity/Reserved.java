package dev.portcullis.gateway.identity;

import java.util.Set;

/**
 * Names the gateway itself interprets, so that no custom role, claim or request may borrow them:
 * the administrative permissions, the global ones that count only in the {@value #SYSTEM_TENANT}
 * tenant, and the built-in admin roles.
 */
public final class Reserved {

  /** The tenant of the gateway's own administrators; global permissions count only there. */
  public static final String SYSTEM_TENANT = "system";

  /** Permissions that reach beyond the holder's tenant, or lift the hold-what-you-grant rule. */
  public static final Set<String> GLOBAL_PERMISSIONS = Set.of("iam:all-tenants", "iam:escalate",
      "audit:all-tenants");

  /** Built-in admin roles (the API creates and guards them; a bearer token's claim never names them). */
  public static final Set<String> ADMIN_ROLES = Set.of("iam-admin", "tenant-admin", "approver", "auditor");

  private static final Set<String> ADMIN_RESOURCES = Set.of("iam", "audit", "access-requests", "approval",
      "elevate");

  private Reserved() {
  }

  /** Whether a permission administers the gateway (or its approvals) rather than an application. */
  public static boolean administrative(String permission) {
    int colon = permission.indexOf(':');
    return colon > 0 && ADMIN_RESOURCES.contains(permission.substring(0, colon));
  }

  /** Whether a permission may go into a role made through the admin API. */
  public static boolean allowedInCustomRole(String permission) {
    return !GLOBAL_PERMISSIONS.contains(permission) && !permission.startsWith("approval:");
  }
}
