package dev.portcullis.gateway.admin;

import java.util.Map;
import java.util.Set;

/**
 * The permissions the admin API checks, and the built-in admin roles that carry them. A built-in
 * role cannot be changed through the API: {@code iam-admin} exists in the {@code system} tenant only,
 * the others in every tenant. {@code iam:all-tenants} and {@code audit:all-tenants} lift the limit to
 * the caller's own tenant, and only when held in the system tenant.
 */
public final class AdminPermissions {

  public static final String IAM_READ = "iam:read";
  public static final String IAM_WRITE = "iam:write";
  public static final String IAM_ALL_TENANTS = "iam:all-tenants";
  /**
   * Grants what the holder does not hold itself (as Kubernetes' {@code escalate}/{@code bind}): only
   * {@code iam-admin} carries it, since someone must be able to hand out the applications' permissions.
   */
  public static final String IAM_ESCALATE = "iam:escalate";
  public static final String APPROVE = "access-requests:approve";
  public static final String AUDIT_READ = "audit:read";
  public static final String AUDIT_ERASE = "audit:erase";
  public static final String AUDIT_ALL_TENANTS = "audit:all-tenants";

  /** Built-in role name → its permissions. */
  public static final Map<String, Set<String>> BUILTIN_ROLES = Map.of(
      "iam-admin", Set.of(IAM_READ, IAM_WRITE, IAM_ALL_TENANTS, IAM_ESCALATE, AUDIT_READ, AUDIT_ALL_TENANTS, APPROVE),
      "tenant-admin", Set.of(IAM_READ, IAM_WRITE, AUDIT_READ),
      "approver", Set.of(APPROVE),
      "auditor", Set.of(AUDIT_READ));

  public static final Map<String, String> BUILTIN_DESCRIPTIONS = Map.of(
      "iam-admin", "Manages users, roles and bindings of every tenant, tenants and network sets",
      "tenant-admin", "Manages users, groups, roles and bindings of its own tenant",
      "approver", "Approves or denies access requests of its own tenant",
      "auditor", "Reads its own tenant's audit trail");

  private AdminPermissions() {
  }
}
