package dev.portcullis.gateway.identity.access;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * A user's request for a role of their tenant or for a route, for {@code duration} from the final
 * approval. {@code requesterName} is the requester's username when the query joined it (for the
 * pages), else null.
 */
public record AccessRequest(String id, String tenantId, String requesterId, String requesterName, TargetType targetType,
    String target, String reason, Duration duration, Status status, Instant createdAt, Instant expiresAt,
    Instant decidedAt, String bindingId) {

  public enum TargetType {
    ROLE, ROUTE;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** {@code role} or {@code route}; null for anything else. */
    public static TargetType of(String key) {
      return "role".equals(key) ? ROLE : "route".equals(key) ? ROUTE : null;
    }
  }

  public enum Status {
    PENDING, APPROVED, DENIED, EXPIRED, WITHDRAWN;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Status of(String key) {
      return valueOf(key.toUpperCase(Locale.ROOT));
    }
  }

  /** The permission every approver must hold in the request's tenant. */
  public static final String APPROVE_PERMISSION = "access-requests:approve";
  /** Prefix of the system role that carries an approved route request. */
  public static final String ROUTE_ROLE_PREFIX = "route-approval:";
  /** Prefix of the permission such a role carries ({@code approval:<route id>}). */
  public static final String ROUTE_PERMISSION_PREFIX = "approval:";

  /** The status as of {@code now}: a pending request past its expiry is expired, whether marked or not. */
  public Status statusAt(Instant now) {
    return status == Status.PENDING && !now.isBefore(expiresAt) ? Status.EXPIRED : status;
  }

  /** The role a final approval binds: the requested role, or the route's system role. */
  public String roleName() {
    return targetType == TargetType.ROLE ? target : ROUTE_ROLE_PREFIX + target;
  }

  /** The permission an approved request for the route carries: {@code approval:<route id>}. */
  public static String routePermission(String routeId) {
    return ROUTE_PERMISSION_PREFIX + routeId;
  }

  /** Never the reason (free text): logs only need the ids. */
  @Override
  public String toString() {
    return "AccessRequest[" + id + ", " + targetType.key() + " " + target + ", " + status.key() + "]";
  }
}
