package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.admin.AdminHttp.Reply;
import dev.portcullis.gateway.identity.access.AccessRefused;
import dev.portcullis.gateway.identity.access.AccessRequest;
import dev.portcullis.gateway.identity.access.AccessRequests;
import dev.portcullis.gateway.identity.access.Vote;
import dev.portcullis.gateway.pipeline.Problem;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /admin/v1/access-requests}: four-eyes requests of a tenant, and an approver's vote on one.
 * Reading needs {@code access-requests:approve} or {@code iam:read} in the tenant; voting is the
 * same step as on the pages (the caller must be a local user holding the approve permission in
 * the request's tenant, never its requester), journaled as {@code approval.*}.
 */
final class AccessRequestsApi {

  private static final Pattern STATUS = Pattern.compile("pending|approved|denied|expired|withdrawn");

  private final AdminStore store;
  private final AccessRequests requests;

  AccessRequestsApi(AdminStore store, AccessRequests requests) {
    this.store = store;
    this.requests = requests;
  }

  void mount(Router router, AdminHttp http) {
    String base = "/admin/v1/access-requests";
    http.on(router, HttpMethod.GET, base, Set.of("tenant", "status", "limit", "cursor"), this::list);
    http.on(router, HttpMethod.GET, base + "/:id", Set.of(), (who, call) -> store.blocking(() -> {
      AccessRequest request = requests.store().find(call.path("id"))
          .orElseThrow(() -> AdminError.notFound("access request " + call.path("id")));
      requireReader(who, request.tenantId());
      return Reply.ok(json(request).put("votes", votes(requests.store().votes(request.id()))));
    }));
    http.on(router, HttpMethod.POST, base + "/:id/approve", Set.of(), (who, call) -> vote(who, call, "approve"));
    http.on(router, HttpMethod.POST, base + "/:id/deny", Set.of(), (who, call) -> vote(who, call, "deny"));
  }

  private Future<Reply> list(AdminCaller who, AdminHttp.Call call) {
    String asked = call.query("tenant", UsersApi.TENANT, "a tenant id");
    String tenant = asked != null ? asked : who.tenantScope();
    if (tenant != null) {
      requireReader(who, tenant);
    } else {
      who.require(AdminPermissions.IAM_READ);
    }
    String status = call.query("status", STATUS, "pending, approved, denied, expired or withdrawn");
    int limit = call.limit();
    String after = call.cursor();
    return store.blocking(() -> requests.store().list(tenant, status == null ? null
        : AccessRequest.Status.valueOf(status.toUpperCase(Locale.ROOT)), after, limit)).map(rows -> {
          List<AccessRequest> items = rows.size() > limit ? rows.subList(0, limit) : rows;
          return Reply.ok(AdminHttp.page(items.stream().map(AccessRequestsApi::json).toList(),
              rows.size() > limit ? items.get(limit - 1).id() : null));
        });
  }

  private Future<Reply> vote(AdminCaller who, AdminHttp.Call call, String decision) {
    AdminHttp.Body body = call.ctx().body().length() <= 0 ? new AdminHttp.Body(new JsonObject())
        : call.body(Set.of("comment"));
    String comment = body.string("comment", false, AccessRequests.MAX_COMMENT);
    return store.blocking(() -> requests.store().find(call.path("id"))
        .orElseThrow(() -> AdminError.notFound("access request " + call.path("id"))))
        // the caller as presented (a token's scopes included), not only the account behind it
        .compose(request -> {
          who.require(AdminPermissions.APPROVE, request.tenantId());
          return requests.vote(request.id(), who.userId(), decision, comment, null);
        })
        .recover(e -> Future.failedFuture(e instanceof AccessRefused refused ? new AdminError(new Problem(
            refused.status(), refused.key().toUpperCase(Locale.ROOT).replace('-', '_'), title(refused.status()),
            refused.getMessage())) : e))
        .map(result -> Reply.ok(new JsonObject().put("outcome", result.outcome().name().toLowerCase(Locale.ROOT))
            .put("approvals", result.approvals()).put("request", json(result.request()))));
  }

  private static String title(int status) {
    return switch (status) {
      case 400 -> "Bad request";
      case 403 -> "Forbidden";
      case 404 -> "Not found";
      default -> "Conflict";
    };
  }

  private static void requireReader(AdminCaller who, String tenant) {
    if (who.has(AdminPermissions.APPROVE) && tenant.equals(who.identity().tenant())) {
      return;
    }
    who.require(AdminPermissions.IAM_READ, tenant);
  }

  static JsonObject json(AccessRequest r) {
    return new JsonObject().put("id", r.id()).put("tenant", r.tenantId()).put("requester", r.requesterId())
        .put("requesterName", r.requesterName()).put("targetType", r.targetType().key()).put("target", r.target())
        .put("reason", r.reason()).put("durationSeconds", r.duration().toSeconds()).put("status", r.status().key())
        .put("createdAt", r.createdAt().toString()).put("expiresAt", r.expiresAt().toString())
        .put("decidedAt", AdminHttp.iso(r.decidedAt())).put("binding", r.bindingId());
  }

  private static JsonArray votes(List<Vote> votes) {
    JsonArray out = new JsonArray();
    votes.forEach(v -> out.add(new JsonObject().put("approver", v.approverId()).put("decision", v.decision().key())
        .put("comment", v.comment()).put("at", v.createdAt().toString())));
    return out;
  }
}
