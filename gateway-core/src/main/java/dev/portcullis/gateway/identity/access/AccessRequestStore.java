package dev.portcullis.gateway.identity.access;

import static dev.portcullis.gateway.identity.store.Sql.execute;
import static dev.portcullis.gateway.identity.store.Sql.first;
import static dev.portcullis.gateway.identity.store.Sql.instant;
import static dev.portcullis.gateway.identity.store.Sql.query;
import static dev.portcullis.gateway.identity.store.Sql.ts;

import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.identity.store.Sql;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Access requests and their votes in the IAM store (H2 or PostgreSQL, same SQL). Every method
 * blocks: call it from a worker ({@code Iam.blocking}). Every change runs in one transaction whose
 * first statement is a conditional UPDATE of the request row: it takes the row's lock, so two
 * approvers voting at once are serialised, and the second sees the first's vote (READ COMMITTED
 * reads per statement) — one of them finalises, never both, and never neither. The caller's
 * {@code beforeCommit} runs last inside the transaction (journaling: an event that cannot be
 * written rolls the change back).
 */
public final class AccessRequestStore {

  private static final String COLUMNS = "SELECT r.id, r.tenant_id, r.requester_id, u.username, r.target_type, "
      + "r.target, r.reason, r.duration_seconds, r.status, r.created_at, r.expires_at, r.decided_at, r.binding_id "
      + "FROM access_requests r LEFT JOIN users u ON u.id = r.requester_id ";

  private final DataSource db;

  public AccessRequestStore(DataSource db) {
    this.db = db;
  }

  /** What a vote did. */
  public enum Outcome {
    /** Counted; more approvals are needed. */
    APPROVED,
    /** The final approval: the binding exists. */
    GRANTED,
    DENIED,
    /** The request's time ran out before this vote: it is now marked expired and the vote was not counted. */
    EXPIRED
  }

  /**
   * @param request   the request after the vote
   * @param approvals approvals counted so far (this one included)
   * @param approvers who approved, in order (for the binding's granter)
   * @param validUntil when the granted binding ends (GRANTED only)
   */
  public record VoteResult(Outcome outcome, AccessRequest request, int approvals, List<String> approvers,
      Instant validUntil) {
  }

  /** A timed role binding made by an approval or an elevation. */
  public record TimedBinding(String id, String roleId, String userId, Instant validFrom, Instant validUntil) {
  }

  // ---- requests

  /**
   * Stores a new pending request. Refused (409, {@code duplicate}) when the requester already has a
   * pending, unexpired request for the same target.
   */
  public AccessRequest create(String tenantId, String requesterId, AccessRequest.TargetType type, String target,
      String reason, Duration duration, Instant now, Instant expiresAt, Consumer<AccessRequest> beforeCommit) {
    return inTransaction(c -> {
      // the requester's row lock serialises their requests, so two at once cannot both pass the check below
      query(c, "SELECT id FROM users WHERE id = ? FOR UPDATE", rs -> rs.getString(1), requesterId);
      if (!query(c, "SELECT id FROM access_requests WHERE requester_id = ? AND target_type = ? AND target = ? "
          + "AND status = 'pending' AND expires_at > ?", rs -> rs.getString(1), requesterId, type.key(), target,
          ts(now)).isEmpty()) {
        throw AccessRefused.conflict("duplicate", "You already have an open request for this " + type.key()
            + ": wait for its decision or withdraw it first.");
      }
      AccessRequest request = new AccessRequest(UUID.randomUUID().toString(), tenantId, requesterId, null, type,
          target, reason, duration, AccessRequest.Status.PENDING, now, expiresAt, null, null);
      execute(c, "access request", "INSERT INTO access_requests (id, tenant_id, requester_id, target_type, target, "
          + "reason, duration_seconds, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
          request.id(), tenantId, requesterId, type.key(), target, reason, duration.toSeconds(), ts(now),
          ts(expiresAt));
      beforeCommit.accept(request);
      return request;
    });
  }

  public Optional<AccessRequest> find(String id) {
    return withConnection(c -> first(query(c, COLUMNS + "WHERE r.id = ?", AccessRequestStore::request, id)));
  }

  /** The user's own requests, newest first. */
  public List<AccessRequest> ofRequester(String requesterId, int limit) {
    return withConnection(c -> query(c, COLUMNS + "WHERE r.requester_id = ? ORDER BY r.created_at DESC, r.id",
        AccessRequestStore::request, requesterId)).stream().limit(limit).toList();
  }

  /** Requests of a tenant still open to votes at {@code now}, oldest first. */
  public List<AccessRequest> pendingInTenant(String tenantId, Instant now) {
    return withConnection(c -> query(c, COLUMNS + "WHERE r.tenant_id = ? AND r.status = 'pending' "
        + "AND r.expires_at > ? ORDER BY r.created_at, r.id", AccessRequestStore::request, tenantId, ts(now)));
  }

  /**
   * A page of a tenant's requests (every tenant when null) in one status (any when null), by id
   * after {@code afterId}; at most {@code limit} + 1 rows, so that the caller sees whether more follow.
   */
  public List<AccessRequest> list(String tenantId, AccessRequest.Status status, String afterId, int limit) {
    StringBuilder where = new StringBuilder("WHERE r.id > ?");
    List<Object> params = new java.util.ArrayList<>(List.of(afterId == null ? "" : afterId));
    if (tenantId != null) {
      where.append(" AND r.tenant_id = ?");
      params.add(tenantId);
    }
    if (status != null) {
      where.append(" AND r.status = ?");
      params.add(status.key());
    }
    return withConnection(c -> query(c, COLUMNS + where + " ORDER BY r.id LIMIT " + (limit + 1),
        AccessRequestStore::request, params.toArray()));
  }

  public List<Vote> votes(String requestId) {
    return withConnection(c -> query(c, "SELECT request_id, approver_id, vote, comment, created_at "
        + "FROM access_request_votes WHERE request_id = ? ORDER BY created_at, approver_id", rs -> new Vote(
        rs.getString(1), rs.getString(2), Vote.Decision.of(rs.getString(3)), rs.getString(4), instant(rs, 5)),
        requestId));
  }

  /**
   * Marks the tenant's pending requests whose time ran out as expired, one transaction each;
   * {@code beforeCommit} sees each request this call marked (not those another instance marked).
   */
  public List<AccessRequest> expireDue(String tenantId, Instant now, Consumer<AccessRequest> beforeCommit) {
    List<String> due = withConnection(c -> query(c, "SELECT id FROM access_requests WHERE tenant_id = ? "
        + "AND status = 'pending' AND expires_at <= ?", rs -> rs.getString(1), tenantId, ts(now)));
    List<AccessRequest> marked = new ArrayList<>();
    for (String id : due) {
      inTransaction(c -> markExpired(c, id, now, beforeCommit)).ifPresent(marked::add);
    }
    return marked;
  }

  private Optional<AccessRequest> markExpired(Connection c, String id, Instant now,
      Consumer<AccessRequest> beforeCommit) throws SQLException {
    if (execute(c, "access request", "UPDATE access_requests SET status = 'expired', decided_at = expires_at "
        + "WHERE id = ? AND status = 'pending' AND expires_at <= ?", id, ts(now)) == 0) {
      return Optional.empty();
    }
    AccessRequest expired = first(query(c, COLUMNS + "WHERE r.id = ?", AccessRequestStore::request, id)).orElseThrow();
    beforeCommit.accept(expired);
    return Optional.of(expired);
  }

  /**
   * Records one approver's vote, in one transaction: a deny ends the request; the {@code needed}-th
   * distinct approval approves it and binds {@code roleId} to the requester from {@code now} for the
   * requested duration (the duration starts at the final approval). Refused (AccessRefused) when
   * the request is unknown (404) or no longer pending (409), when the approver is the requester
   * (403) or has voted already (409). A request whose time ran out is marked expired instead
   * (outcome EXPIRED, committed), and the vote is not recorded.
   *
   * @param roleId the role to bind on the final approval (the requested role, or the route's role)
   */
  public VoteResult vote(String requestId, String approverId, Vote.Decision decision, String comment, int needed,
      String roleId, Instant now, Consumer<VoteResult> beforeCommit) {
    return vote(requestId, approverId, decision, comment, needed, roleId, now, Set.of(), beforeCommit);
  }

  /**
   * As above; approvals of the users in {@code lapsed} (earlier approvers who no longer hold the
   * approve permission, or are disabled) still stand as votes but no longer count towards the grant.
   */
  public VoteResult vote(String requestId, String approverId, Vote.Decision decision, String comment, int needed,
      String roleId, Instant now, Set<String> lapsed, Consumer<VoteResult> beforeCommit) {
    return inTransaction(c -> {
      // the guard: locks the row while it is open to votes
      if (execute(c, "access request", "UPDATE access_requests SET status = status WHERE id = ? "
          + "AND status = 'pending' AND expires_at > ?", requestId, ts(now)) == 0) {
        AccessRequest found = first(query(c, COLUMNS + "WHERE r.id = ?", AccessRequestStore::request, requestId))
            .orElseThrow(() -> new AccessRefused(404, "unknown-request", "There is no such access request."));
        if (found.status() == AccessRequest.Status.PENDING) {
          Optional<AccessRequest> expired = markExpired(c, requestId, now, r -> { });
          VoteResult result = new VoteResult(Outcome.EXPIRED, expired.orElse(found), 0, List.of(), null);
          beforeCommit.accept(result);
          return result;
        }
        throw notOpen(found.status());
      }
      AccessRequest request = first(query(c, COLUMNS + "WHERE r.id = ?", AccessRequestStore::request, requestId))
          .orElseThrow();
      if (request.requesterId().equals(approverId)) {
        throw AccessRefused.forbidden("own-request", "Nobody may decide on their own access request.");
      }
      try {
        execute(c, "vote", "INSERT INTO access_request_votes (request_id, approver_id, vote, comment, created_at) "
            + "VALUES (?, ?, ?, ?, ?)", requestId, approverId, decision.key(), comment, ts(now));
      } catch (IamException e) {
        if (e.kind() == IamException.Kind.CONFLICT) {
          throw AccessRefused.conflict("already-voted", "You have already decided on this request.");
        }
        throw e;
      }
      List<String> approvers = query(c, "SELECT approver_id FROM access_request_votes WHERE request_id = ? "
          + "AND vote = 'approve' ORDER BY created_at, approver_id", rs -> rs.getString(1), requestId).stream()
          .filter(a -> a.equals(approverId) || !lapsed.contains(a)).toList();
      VoteResult result;
      if (decision == Vote.Decision.DENY) {
        execute(c, "access request", "UPDATE access_requests SET status = 'denied', decided_at = ? WHERE id = ?",
            ts(now), requestId);
        result = new VoteResult(Outcome.DENIED, reread(c, requestId), approvers.size(), approvers, null);
      } else if (approvers.size() >= needed) {
        if (roleId == null) {
          throw AccessRefused.conflict("role-gone", "The requested role no longer exists in this tenant.");
        }
        Instant until = now.plus(request.duration());
        String bindingId = insertBinding(c, roleId, request.requesterId(), now, until,
            clip("access request " + request.id() + ": " + request.reason(), 500),
            clip("approvers: " + String.join(",", approvers), 400), now);
        execute(c, "access request", "UPDATE access_requests SET status = 'approved', decided_at = ?, "
            + "binding_id = ? WHERE id = ?", ts(now), bindingId, requestId);
        result = new VoteResult(Outcome.GRANTED, reread(c, requestId), approvers.size(), approvers, until);
      } else {
        result = new VoteResult(Outcome.APPROVED, request, approvers.size(), approvers, null);
      }
      beforeCommit.accept(result);
      return result;
    });
  }

  /** The requester takes back a pending request (409 when it is no longer pending, 403 when not theirs). */
  public AccessRequest withdraw(String requestId, String requesterId, Instant now,
      Consumer<AccessRequest> beforeCommit) {
    return inTransaction(c -> {
      if (execute(c, "access request", "UPDATE access_requests SET status = 'withdrawn', decided_at = ? "
          + "WHERE id = ? AND requester_id = ? AND status = 'pending' AND expires_at > ?", ts(now), requestId,
          requesterId, ts(now)) == 0) {
        AccessRequest found = first(query(c, COLUMNS + "WHERE r.id = ?", AccessRequestStore::request, requestId))
            .orElseThrow(() -> new AccessRefused(404, "unknown-request", "There is no such access request."));
        if (!found.requesterId().equals(requesterId)) {
          throw AccessRefused.forbidden("not-yours", "Only the requester may withdraw a request.");
        }
        throw notOpen(found.statusAt(now));
      }
      AccessRequest withdrawn = reread(c, requestId);
      beforeCommit.accept(withdrawn);
      return withdrawn;
    });
  }

  // ---- roles and bindings

  /** The id of a role of the tenant, by name. */
  public Optional<String> roleId(String tenantId, String roleName) {
    return withConnection(c -> first(query(c, "SELECT id FROM roles WHERE tenant_id = ? AND name = ?",
        rs -> rs.getString(1), tenantId, roleName)));
  }

  /**
   * The route's system role in the tenant ({@code route-approval:<route>} carrying
   * {@code approval:<route>}), created by whichever caller needs it first. Returns its id.
   */
  public String routeRole(String tenantId, String routeId, Instant now) {
    String name = AccessRequest.ROUTE_ROLE_PREFIX + routeId;
    Optional<String> existing = roleId(tenantId, name);
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      inTransaction(c -> {
        String id = UUID.randomUUID().toString();
        execute(c, "role '" + name + "'", "INSERT INTO roles (id, tenant_id, name, description, created_at) "
            + "VALUES (?, ?, ?, ?, ?)", id, tenantId, name, "Access to route " + routeId + " granted by approval",
            ts(now));
        execute(c, "permission", "INSERT INTO role_permissions (role_id, permission) VALUES (?, ?)", id,
            AccessRequest.routePermission(routeId));
        return id;
      });
    } catch (IamException e) {
      if (e.kind() != IamException.Kind.CONFLICT) {
        throw e;
      }
      // another instance created it meanwhile
    }
    return roleId(tenantId, name).orElseThrow();
  }

  /** A timed binding of a role to a user, in a transaction of its own (elevation). */
  public TimedBinding bindTimed(String roleId, String userId, Instant from, Instant until, String reason,
      String grantedBy, Instant now, Consumer<TimedBinding> beforeCommit) {
    return inTransaction(c -> {
      TimedBinding binding = new TimedBinding(insertBinding(c, roleId, userId, from, until, clip(reason, 500),
          clip(grantedBy, 400), now), roleId, userId, from, until);
      beforeCommit.accept(binding);
      return binding;
    });
  }

  private static String insertBinding(Connection c, String roleId, String userId, Instant from, Instant until,
      String reason, String grantedBy, Instant now) throws SQLException {
    String id = UUID.randomUUID().toString();
    execute(c, "role binding", "INSERT INTO role_bindings (id, role_id, user_id, group_id, valid_from, valid_until, "
        + "reason, granted_by, created_at) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?)", id, roleId, userId, ts(from),
        ts(until), reason, grantedBy, ts(now));
    return id;
  }

  private static AccessRefused notOpen(AccessRequest.Status status) {
    return AccessRefused.conflict("not-pending", "This request is " + status.key() + ": it is no longer open.");
  }

  private static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max);
  }

  private static AccessRequest reread(Connection c, String id) throws SQLException {
    return first(query(c, COLUMNS + "WHERE r.id = ?", AccessRequestStore::request, id)).orElseThrow();
  }

  private static AccessRequest request(ResultSet rs) throws SQLException {
    return new AccessRequest(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        AccessRequest.TargetType.of(rs.getString(5)), rs.getString(6), rs.getString(7),
        Duration.ofSeconds(rs.getLong(8)), AccessRequest.Status.of(rs.getString(9)), instant(rs, 10),
        instant(rs, 11), instant(rs, 12), rs.getString(13));
  }

  // ---- plumbing

  private <T> T inTransaction(Sql.Work<T> work) {
    return Sql.inTransaction(db, "access requests", work);
  }

  private <T> T withConnection(Sql.Work<T> work) {
    return Sql.withConnection(db, "access requests", work);
  }
}
