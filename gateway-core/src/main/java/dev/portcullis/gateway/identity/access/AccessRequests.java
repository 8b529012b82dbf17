package dev.portcullis.gateway.identity.access;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.store.Grant;
import dev.portcullis.gateway.identity.store.User;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Four-eyes access requests and just-in-time elevation. A user asks for a role of their tenant or
 * for a route, with a reason and a duration; {@code identity.access.approvals} distinct users who
 * hold {@value AccessRequest#APPROVE_PERMISSION} in that tenant at that moment — never the
 * requester — must approve before {@code requestTtl} runs out, and any one of them may deny. The
 * final approval binds the role (for a route: the tenant's system role
 * {@code route-approval:<route>}, carrying {@code approval:<route>}) from that moment for the
 * requested duration; the binding ends by itself. A holder of {@code elevate:<role>} may activate a
 * role listed under {@code identity.access.elevation} for at most its {@code maxDuration}, at once.
 *
 * <p>Every step is journaled ({@code approval.*}) inside the transaction that takes it, before the
 * commit: a step that cannot be written down does not happen. Permissions are read from the store,
 * not the caches, and decided by the clock at that moment. Store work runs on the IAM workers.
 */
public final class AccessRequests {

  private static final Logger LOG = LoggerFactory.getLogger(AccessRequests.class);
  public static final int MAX_REASON = 500;
  public static final int MAX_COMMENT = 500;
  static final Duration MIN_DURATION = Duration.ofMinutes(1);
  private static final Pattern DURATION = Pattern.compile("\\s*(\\d{1,6})\\s*(m|min|h|d)\\s*");
  private static final Pattern TARGET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@/-]{0,112}");
  /** The journal usually takes an event within milliseconds; beyond this the step is refused. */
  private static final long JOURNAL_WAIT_SECONDS = 10;

  private final Iam iam;
  private final AccessRequestStore store;
  private final AuditLog audit;
  private final IdentityConfig.Access config;
  private final Supplier<Set<String>> routeIds;
  private final Clock clock;

  /** @param routeIds the ids of the routes configured now (a request may name only those) */
  public AccessRequests(Iam iam, AccessRequestStore store, AuditLog audit, IdentityConfig.Access config,
      Supplier<Set<String>> routeIds, Clock clock) {
    this.iam = iam;
    this.store = store;
    this.audit = audit;
    this.config = config;
    this.routeIds = routeIds;
    this.clock = clock;
  }

  public IdentityConfig.Access config() {
    return config;
  }

  public AccessRequestStore store() {
    return store;
  }

  // ---- requests

  /**
   * Files a request. Refused with 400 naming the fields (targetType, target, reason, duration),
   * 403 when the requester is unknown or disabled, 409 when an open request for the same target
   * exists.
   */
  public Future<AccessRequest> request(String requesterId, String targetType, String target, String reason,
      Duration duration, String httpRequestId) {
    Map<String, String> errors = new LinkedHashMap<>();
    AccessRequest.TargetType type = AccessRequest.TargetType.of(targetType);
    if (type == null) {
      errors.put("targetType", "Choose whether you request a role or a route.");
    }
    String cleanTarget = target == null ? "" : target.trim();
    if (!TARGET.matcher(cleanTarget).matches() || cleanTarget.startsWith(AccessRequest.ROUTE_ROLE_PREFIX)) {
      errors.put("target", "Enter the name of a role of your organisation or the id of a route (letters, digits "
          + "and . _ : @ / -, at most 113 characters).");
    }
    String cleanReason = reason(reason, errors);
    checkDuration(duration, config.maxDuration(), errors);
    if (!errors.isEmpty()) {
      return Future.failedFuture(AccessRefused.invalid(errors));
    }
    return iam.blocking(() -> {
      Instant now = clock.instant();
      User requester = activeUser(requesterId);
      if (type == AccessRequest.TargetType.ROLE && store.roleId(requester.tenantId(), cleanTarget).isEmpty()) {
        throw AccessRefused.invalid("target", "There is no role '" + cleanTarget + "' in your organisation.");
      }
      if (type == AccessRequest.TargetType.ROLE && iam.store().rolePermissions(requester.tenantId())
          .getOrDefault(cleanTarget, Set.of()).stream().anyMatch(dev.portcullis.gateway.identity.Reserved::administrative)) {
        // approvers need not hold what they approve: administrative power is granted by admins only
        throw AccessRefused.invalid("target", "The role '" + cleanTarget + "' administers the gateway; ask an "
            + "administrator instead.");
      }
      if (type == AccessRequest.TargetType.ROUTE && !routeIds.get().contains(cleanTarget)) {
        throw AccessRefused.invalid("target", "There is no route '" + cleanTarget + "'.");
      }
      AccessRequest created = store.create(requester.tenantId(), requester.id(), type, cleanTarget, cleanReason,
          duration, now, now.plus(config.requestTtl()), r -> journal("approval.requested", new AuditLog.Approval(
              httpRequestId, r.id(), r.requesterId(), null, r.tenantId(), r.targetType().key(), r.target(),
              r.reason(), r.duration().toSeconds(), null, null, config.approvals())));
      LOG.info("Access request {} filed by {} for {} {}", created.id(), requesterId, type.key(), cleanTarget);
      return created;
    });
  }

  /**
   * One approver's vote ({@code approve} or {@code deny}) with an optional comment. Refused with
   * 400 naming the fields (request, decision, comment), 403 for the requester or someone without
   * {@value AccessRequest#APPROVE_PERMISSION} in the request's tenant now, 404 for an unknown
   * request, 409 when the request is no longer pending (decided, withdrawn or expired — an expired
   * one is marked so now) or the approver has voted already.
   */
  public Future<AccessRequestStore.VoteResult> vote(String requestId, String approverId, String decision,
      String comment, String httpRequestId) {
    Map<String, String> errors = new LinkedHashMap<>();
    if (requestId == null || requestId.isBlank() || requestId.length() > 36) {
      errors.put("request", "Choose the request to decide on.");
    }
    Vote.Decision parsed = Vote.Decision.of(decision);
    if (parsed == null) {
      errors.put("decision", "Choose approve or deny.");
    }
    String cleanComment = comment == null || comment.isBlank() ? null : comment.strip();
    if (cleanComment != null && (cleanComment.length() > MAX_COMMENT || hasControl(cleanComment))) {
      errors.put("comment", "A comment may have at most " + MAX_COMMENT + " characters (no control characters).");
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(AccessRefused.invalid(errors));
    }
    return iam.blocking(() -> {
      Instant now = clock.instant();
      AccessRequest request = store.find(requestId).orElseThrow(() -> new AccessRefused(404, "unknown-request",
          "There is no such access request."));
      if (request.requesterId().equals(approverId)) {
        throw AccessRefused.forbidden("own-request", "Nobody may decide on their own access request.");
      }
      if (!mayApprove(approverId, request.tenantId(), now)) {
        throw AccessRefused.forbidden("not-approver", "You may not decide on access requests of this "
            + "organisation (that needs the permission " + AccessRequest.APPROVE_PERMISSION + ").");
      }
      String roleId = parsed == Vote.Decision.DENY || request.statusAt(now) != AccessRequest.Status.PENDING ? null
          : request.targetType() == AccessRequest.TargetType.ROUTE
              ? store.routeRole(request.tenantId(), request.target(), now)
              : store.roleId(request.tenantId(), request.target()).orElse(null);
      // earlier approvers are checked again now: an approval counts only while its approver still may approve
      Set<String> lapsed = store.votes(requestId).stream()
          .filter(v -> v.decision() == Vote.Decision.APPROVE && !mayApprove(v.approverId(), request.tenantId(), now))
          .map(Vote::approverId).collect(java.util.stream.Collectors.toSet());
      AccessRequestStore.VoteResult result = store.vote(requestId, approverId, parsed, cleanComment,
          config.approvals(), roleId, now, lapsed, r -> journalVote(r, approverId, httpRequestId));
      if (result.outcome() == AccessRequestStore.Outcome.EXPIRED) {
        throw AccessRefused.conflict("expired", "This request expired before it was approved.");
      }
      if (result.outcome() == AccessRequestStore.Outcome.GRANTED) {
        iam.userChanged(request.requesterId());
        LOG.info("Access request {} approved by {}: {} holds {} until {}", requestId, result.approvers(),
            request.requesterId(), request.roleName(), result.validUntil());
      }
      return result;
    });
  }

  private void journalVote(AccessRequestStore.VoteResult result, String approverId, String httpRequestId) {
    AccessRequest r = result.request();
    switch (result.outcome()) {
      case EXPIRED -> journal("approval.expired", step(null, r, null));
      case DENIED -> journal("approval.denied", step(httpRequestId, r, approverId));
      case APPROVED, GRANTED -> {
        journal("approval.approved", new AuditLog.Approval(httpRequestId, r.id(), r.requesterId(), approverId,
            r.tenantId(), r.targetType().key(), r.target(), null, null, null, result.approvals(),
            config.approvals()));
        if (result.outcome() == AccessRequestStore.Outcome.GRANTED) {
          journal("approval.granted", new AuditLog.Approval(httpRequestId, r.id(), r.requesterId(), null,
              r.tenantId(), r.targetType().key(), r.target(), null, r.duration().toSeconds(), result.validUntil(),
              result.approvals(), config.approvals()));
        }
      }
      default -> throw new IllegalStateException(result.outcome().name());
    }
  }

  /** The requester takes back a pending request. */
  public Future<AccessRequest> withdraw(String requestId, String requesterId, String httpRequestId) {
    if (requestId == null || requestId.isBlank() || requestId.length() > 36) {
      return Future.failedFuture(AccessRefused.invalid("request", "Choose the request to withdraw."));
    }
    return iam.blocking(() -> store.withdraw(requestId, requesterId, clock.instant(),
        r -> journal("approval.withdrawn", step(httpRequestId, r, null))));
  }

  /**
   * What the access page shows a user: their own requests (newest first), and — when they may
   * approve in their tenant now — the tenant's open requests of others they have not voted on,
   * with the approvals counted so far; the roles they may elevate to with the longest duration;
   * the roles of their tenant they may request. Marks the tenant's requests whose time ran out as
   * expired (journaled) on the way.
   */
  public Future<Overview> overview(String userId) {
    return iam.blocking(() -> {
      Instant now = clock.instant();
      User user = activeUser(userId);
      expireDue(user.tenantId(), now);
      List<Grant> grants = activeGrants(user, now);
      boolean approver = holds(grants, AccessRequest.APPROVE_PERMISSION);
      List<Pending> toDecide = new ArrayList<>();
      if (approver) {
        for (AccessRequest request : store.pendingInTenant(user.tenantId(), now)) {
          List<Vote> votes = store.votes(request.id());
          if (!request.requesterId().equals(userId) && votes.stream().noneMatch(v -> v.approverId().equals(userId))) {
            toDecide.add(new Pending(request, (int) votes.stream().filter(v -> v.decision() == Vote.Decision.APPROVE)
                .count(), config.approvals()));
          }
        }
      }
      Map<String, Duration> elevatable = new LinkedHashMap<>();
      config.elevation().forEach((role, max) -> {
        if (holds(grants, "elevate:" + role)) {
          elevatable.put(role, max);
        }
      });
      List<String> roles = iam.store().rolePermissions(user.tenantId()).keySet().stream()
          .filter(name -> !name.startsWith(AccessRequest.ROUTE_ROLE_PREFIX)).sorted().toList();
      return new Overview(user, store.ofRequester(userId, 50), approver, toDecide, elevatable, roles, now);
    });
  }

  /** A page's view of one user's access (see {@link #overview}). */
  public record Overview(User user, List<AccessRequest> mine, boolean approver, List<Pending> toDecide,
      Map<String, Duration> elevatable, List<String> roles, Instant now) {
  }

  /** An open request with the approvals it has and needs. */
  public record Pending(AccessRequest request, int approvals, int needed) {
  }

  /** Marks the tenant's pending requests whose time ran out as expired, journaling each. Blocking. */
  public List<AccessRequest> expireDue(String tenantId, Instant now) {
    return store.expireDue(tenantId, now, r -> journal("approval.expired", step(null, r, null)));
  }

  // ---- elevation

  /**
   * Activates {@code role} for the user at once, for {@code duration} (at most the role's
   * configured maximum), with a reason. Refused with 400 naming the fields (role, reason,
   * duration), 403 when the user does not hold {@code elevate:<role>} in their tenant now.
   */
  public Future<AccessRequestStore.TimedBinding> elevate(String userId, String role, String reason,
      Duration duration, String httpRequestId) {
    Map<String, String> errors = new LinkedHashMap<>();
    Duration max = role == null ? null : config.elevation().get(role);
    if (max == null) {
      errors.put("role", "Choose one of the roles you may elevate to.");
    }
    String cleanReason = reason(reason, errors);
    checkDuration(duration, max == null ? Duration.ofDays(365) : max, errors);
    if (!errors.isEmpty()) {
      return Future.failedFuture(AccessRefused.invalid(errors));
    }
    return iam.blocking(() -> {
      Instant now = clock.instant();
      User user = activeUser(userId);
      if (!holds(activeGrants(user, now), "elevate:" + role)) {
        throw AccessRefused.forbidden("not-allowed", "You may not elevate to '" + role + "' (that needs the "
            + "permission elevate:" + role + ").");
      }
      String roleId = store.roleId(user.tenantId(), role).orElseThrow(() -> AccessRefused.invalid("role",
          "There is no role '" + role + "' in your organisation."));
      Instant until = now.plus(duration);
      AccessRequestStore.TimedBinding binding = store.bindTimed(roleId, userId, now, until,
          "elevation: " + cleanReason, "elevation", now, b -> journal("approval.elevated", new AuditLog.Approval(
              httpRequestId, null, userId, null, user.tenantId(), "role", role, cleanReason, duration.toSeconds(),
              until, null, null)));
      iam.userChanged(userId);
      LOG.info("User {} elevated to {} until {}", userId, role, until);
      return binding;
    });
  }

  // ---- helpers

  /**
   * A duration as the pages take it: {@code 30m}, {@code 2h}, {@code 1d} (also {@code 90min});
   * null when it is none of these.
   */
  public static Duration parseDuration(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = DURATION.matcher(text);
    if (!m.matches()) {
      return null;
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m", "min" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /** {@code 2h}, {@code 90m} → {@code 1h 30m}, {@code 1d}: how the pages show a duration. */
  public static String format(Duration d) {
    long minutes = d.toMinutes();
    if (minutes % (24 * 60) == 0 && minutes > 0) {
      return minutes / (24 * 60) + "d";
    }
    long h = minutes / 60;
    long m = minutes % 60;
    return h == 0 ? m + "m" : m == 0 ? h + "h" : h + "h " + m + "m";
  }

  private static String reason(String reason, Map<String, String> errors) {
    String clean = reason == null ? "" : reason.strip();
    if (clean.isEmpty() || clean.length() > MAX_REASON || hasControl(clean)) {
      errors.put("reason", "Say why you need this access (1 to " + MAX_REASON + " characters).");
    }
    return clean;
  }

  private static void checkDuration(Duration duration, Duration max, Map<String, String> errors) {
    if (duration == null || duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(max) > 0) {
      errors.put("duration", "Enter a duration from 1m to " + format(max) + ", such as 30m or 2h.");
    }
  }

  private static boolean hasControl(String text) {
    return text.chars().anyMatch(c -> (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f);
  }

  private User activeUser(String userId) {
    Optional<User> user = iam.store().userById(userId);
    if (user.isEmpty() || !user.get().active()) {
      throw AccessRefused.forbidden("inactive", "Your account cannot use access requests.");
    }
    return user.get();
  }

  /** The grants open now in the user's own tenant, read from the store (not the cache). */
  private List<Grant> activeGrants(User user, Instant now) {
    return iam.store().grantsOf(user.id()).stream()
        .filter(g -> g.tenantId().equals(user.tenantId()) && g.activeAt(now)).toList();
  }

  private static boolean holds(List<Grant> grants, String permission) {
    return grants.stream().anyMatch(g -> g.permissions().contains(permission));
  }

  /** Whether the user holds the approve permission in {@code tenantId} now (an active member of it). */
  private boolean mayApprove(String userId, String tenantId, Instant now) {
    Optional<User> user = iam.store().userById(userId);
    return user.isPresent() && user.get().active() && user.get().tenantId().equals(tenantId)
        && holds(activeGrants(user.get(), now), AccessRequest.APPROVE_PERMISSION);
  }

  private static AuditLog.Approval step(String httpRequestId, AccessRequest r, String approverId) {
    return new AuditLog.Approval(httpRequestId, r.id(), r.requesterId(), approverId, r.tenantId(),
        r.targetType().key(), r.target(), null, null, null, null, null);
  }

  /**
   * Writes an event and waits for it, on the worker inside the transaction: a failure rolls the
   * step back. The journal completes its futures on the caller's context (an event loop), never on
   * this worker, so the wait cannot starve itself.
   */
  private void journal(String type, AuditLog.Approval event) {
    try {
      audit.approval(type, event).toCompletionStage().toCompletableFuture()
          .get(JOURNAL_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while journaling " + type, e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException("the audit journal did not take " + type + ": " + cause.getMessage(), cause);
    }
  }
}
