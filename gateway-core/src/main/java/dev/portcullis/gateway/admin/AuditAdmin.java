package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.audit.AuditQueries;
import dev.portcullis.gateway.audit.LeastPrivilegeReport;
import dev.portcullis.gateway.audit.ClusterStream;
import dev.portcullis.gateway.audit.Journal;
import dev.portcullis.gateway.audit.JournalVerifier;
import dev.portcullis.gateway.identity.IdentityServices;
import dev.portcullis.gateway.pipeline.Problem;
import dev.portcullis.plugin.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The audit part of the admin API under {@code /admin/v1/audit}: query, live stream of every instance
 * (SSE over {@link ClusterStream}), verify,
 * and per data subject export (JSON or CSV) and erasure. Callers (an API token, a bearer JWT, or an
 * admin's browser session with a fresh second factor: see AdminAuth) hold {@code audit:read} (everything but erasure) or {@code audit:erase}, seeing only
 * their own tenant's events and subjects unless they also hold {@code audit:all-tenants}. Every
 * call is itself journaled as an {@code admin.*} event naming the caller's pseudonym.
 */
public final class AuditAdmin {

  private static final Logger LOG = LoggerFactory.getLogger(AuditAdmin.class);
  static final String READ = "audit:read";
  static final String ERASE = "audit:erase";
  /** Held with READ or ERASE, lifts the limit to the caller's own tenant. */
  static final String ALL_TENANTS = "audit:all-tenants";
  private static final Set<String> QUERY_PARAMS = Set.of("subject", "from", "to", "route", "decision", "type",
      "afterSeq", "limit");
  private static final Set<String> DECISIONS = Set.of("allow", "deny", "challenge", "error", "shadow");
  private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9.-]{0,127}");
  private static final Pattern ROUTE = Pattern.compile("[a-z0-9][a-z0-9-_]{0,62}");
  private static final List<String> CSV_COLUMNS = List.of("time", "type", "id", "requestId", "route", "method",
      "path", "client", "tenant", "decision", "wouldBe", "status", "policy", "key", "authMethod", "reason");

  private final Vertx vertx;
  private final AuditQueries queries;
  private final AuditLog log;
  private final IdentityServices identity;
  private final WorkerExecutor worker;
  private final ClusterStream stream;

  private final AdminAuth auth;

  public AuditAdmin(Vertx vertx, AuditQueries queries, AuditLog log, IdentityServices identity,
      ClusterStream stream, AdminApi api) {
    this.auth = api.auth();
    this.vertx = vertx;
    this.stream = stream;
    this.queries = queries;
    this.log = log;
    this.identity = identity;
    this.worker = vertx.createSharedWorkerExecutor("portcullis-audit-admin", 2);
  }

  public void mount(Router router) {
    router.get("/admin/v1/audit/events").handler(ctx -> authorize(ctx, READ).onSuccess(who -> events(ctx, who)));
    router.get("/admin/v1/audit/stream").handler(ctx -> authorize(ctx, READ).onSuccess(who -> stream(ctx, who)));
    router.get("/admin/v1/audit/verify").handler(ctx -> authorize(ctx, READ).onSuccess(who -> verify(ctx, who)));
    router.get("/admin/v1/audit/least-privilege").handler(ctx -> authorize(ctx, READ)
        .onSuccess(who -> leastPrivilege(ctx, who)));
    router.get("/admin/v1/audit/subjects/:subject/export").handler(ctx -> authorize(ctx, READ)
        .onSuccess(who -> export(ctx, who)));
    router.delete("/admin/v1/audit/subjects/:subject").handler(ctx -> authorize(ctx, ERASE)
        .onSuccess(who -> erase(ctx, who)));
  }

  // ---- endpoints

  private void events(RoutingContext ctx, Identity who) {
    for (String name : ctx.queryParams().names()) {
      if (!QUERY_PARAMS.contains(name)) {
        problem(ctx, Problem.badRequest("UNKNOWN_PARAMETER", "unknown query parameter '" + name + "'; known: "
            + String.join(", ", new java.util.TreeSet<>(QUERY_PARAMS))));
        return;
      }
    }
    String limitText = ctx.queryParams().get("limit");
    int limit;
    try {
      limit = limitText == null ? 100 : Integer.parseInt(limitText);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > 1000) {
      problem(ctx, Problem.badRequest("INVALID_PARAMETER", "limit must be a whole number from 1 to 1000"));
      return;
    }
    int max = limit;
    Filters.parse(ctx).ifPresentOrElse(error -> problem(ctx, error), () -> subjectPseudonym(ctx.queryParams()
        .get("subject"), who).onFailure(e -> failed(ctx, e)).onSuccess(pseudonym -> {
          if (ctx.queryParams().get("subject") != null && pseudonym == null) {
            json(ctx, 200, new JsonObject().put("events", new JsonArray()).putNull("nextAfterSeq"));
            return;
          }
          AuditQueries.Filter filter = Filters.filter(ctx, pseudonym, tenantScope(who));
          admin(who, "audit-query", "journal", null, describe(filter))
              .compose(v -> worker.executeBlocking(() -> queries.find(filter, max), false))
              .onFailure(e -> failed(ctx, e))
              .onSuccess(page -> json(ctx, 200, new JsonObject().put("events", new JsonArray(List.copyOf(page.records())))
                  .put("nextAfterSeq", page.nextAfterSeq())));
        }));
  }

  /**
   * {@code GET /admin/v1/audit/least-privilege?days=30&tenant=acme}: each binding's permissions
   * that no allowed request used in the last {@code days} (1–400, default 30). Limited to the
   * caller's tenant unless it may see all tenants (then {@code tenant} is required).
   */
  private void leastPrivilege(RoutingContext ctx, Identity who) {
    for (String name : ctx.queryParams().names()) {
      if (!name.equals("days") && !name.equals("tenant")) {
        problem(ctx, Problem.badRequest("UNKNOWN_PARAMETER", "unknown query parameter '" + name
            + "'; known: days, tenant"));
        return;
      }
    }
    int days;
    try {
      days = ctx.queryParams().get("days") == null ? 30 : Integer.parseInt(ctx.queryParams().get("days"));
    } catch (NumberFormatException e) {
      days = -1;
    }
    if (days < 1 || days > 400) {
      problem(ctx, Problem.badRequest("INVALID_PARAMETER", "days must be a whole number from 1 to 400"));
      return;
    }
    String scope = tenantScope(who);
    String asked = ctx.queryParams().get("tenant");
    if (scope != null && asked != null && !asked.equals(scope)) {
      problem(ctx, new Problem(403, "TENANT_FORBIDDEN", "Forbidden", "you may only see your own tenant"));
      return;
    }
    String tenant = scope != null ? scope : asked;
    if (tenant == null || tenant.isEmpty()) {
      problem(ctx, Problem.badRequest("INVALID_PARAMETER", "tenant is required (the report is per tenant)"));
      return;
    }
    java.time.Instant until = java.time.Instant.now();
    java.time.Instant since = until.minus(java.time.Duration.ofDays(days));
    admin(who, "least-privilege-report", "tenant", tenant, Map.of("days", Integer.toString(days)))
        .compose(v -> worker.executeBlocking(() -> LeastPrivilegeReport.compute(queries, identity.iam().store(),
            tenant, since, until), false))
        .onFailure(e -> failed(ctx, e))
        .onSuccess(report -> json(ctx, 200, report));
  }

  private void verify(RoutingContext ctx, Identity who) {
    admin(who, "audit-verify", "journal", null, Map.of())
        .compose(v -> worker.executeBlocking(queries::verify, false))
        .onFailure(e -> failed(ctx, e))
        .onSuccess(report -> json(ctx, report.intact() ? 200 : 409, verifyJson(report)));
  }

  /** The report as JSON (also what {@code portcullis audit verify --json} prints). */
  public static JsonObject verifyJson(JournalVerifier.Report report) {
    JsonArray findings = new JsonArray();
    for (JournalVerifier.Finding f : report.findings()) {
      findings.add(new JsonObject().put("problem", f.problem()).put("segment", f.segment())
          .put("line", f.line() > 0 ? f.line() : null).put("seq", f.seq() > 0 ? f.seq() : null)
          .put("message", f.message()).put("where", f.toString()));
    }
    return new JsonObject().put("intact", report.intact()).put("segments", report.segments())
        .put("records", report.records()).put("firstSeq", report.firstSeq()).put("lastSeq", report.lastSeq())
        .put("keyFingerprint", "SHA-256:" + report.keyFingerprint()).put("findings", findings);
  }

  private void export(RoutingContext ctx, Identity who) {
    String format = ctx.queryParams().get("format") == null ? "json" : ctx.queryParams().get("format");
    if (!format.equals("json") && !format.equals("csv")) {
      problem(ctx, Problem.badRequest("INVALID_PARAMETER", "format must be 'json' or 'csv'"));
      return;
    }
    String subject = ctx.pathParam("subject");
    subjectPseudonym(subject, who).onFailure(e -> failed(ctx, e)).onSuccess(pseudonym -> {
      if (pseudonym == null) {
        problem(ctx, new Problem(404, "SUBJECT_NOT_FOUND", "Not found", "no audit events are linked to this "
            + "subject (never seen, or erased)"));
        return;
      }
      AuditQueries.Filter filter = new AuditQueries.Filter(pseudonym, null, null, null, null, null, 0, null);
      admin(who, "audit-export", "subject", pseudonym, Map.of("format", format))
          .compose(v -> worker.executeBlocking(() -> queries.find(filter, Integer.MAX_VALUE), false))
          .onFailure(e -> failed(ctx, e))
          .onSuccess(page -> {
            HttpServerResponse response = ctx.response().putHeader("Cache-Control", "no-store")
                .putHeader("Content-Disposition", "attachment; filename=\"audit-" + pseudonym + "." + format + "\"");
            if (format.equals("csv")) {
              response.putHeader("Content-Type", "text/csv; charset=utf-8").end(csv(page.records()));
            } else {
              response.putHeader("Content-Type", "application/json").end(new JsonObject()
                  .put("subject", subject).put("pseudonym", pseudonym)
                  .put("events", new JsonArray(List.copyOf(page.records()))).encodePrettily());
            }
          });
    });
  }

  private void erase(RoutingContext ctx, Identity who) {
    String subject = ctx.pathParam("subject");
    subjectPseudonym(subject, who).compose(pseudonym -> pseudonym == null ? Future.succeededFuture(false)
            // the event names the pseudonym, never the subject: writing the subject down would undo the erasure
            : admin(who, "audit-erase", "subject", pseudonym, Map.of())
                .compose(v -> identity.iam().eraseAuditSubject(subject)))
        .onFailure(e -> failed(ctx, e))
        .onSuccess(erased -> {
          if (erased) {
            ctx.response().setStatusCode(204).end();
          } else {
            problem(ctx, new Problem(404, "SUBJECT_NOT_FOUND", "Not found", "no audit pseudonym exists for this "
                + "subject (never seen, or already erased)"));
          }
        });
  }

  private void stream(RoutingContext ctx, Identity who) {
    String type = ctx.queryParams().get("type");
    if (type != null && !TYPE.matcher(type).matches()) {
      problem(ctx, Problem.badRequest("INVALID_PARAMETER", "type must be an event type such as access or auth."));
      return;
    }
    admin(who, "audit-stream", "journal", null, type == null ? Map.of() : Map.of("type", type))
        .onFailure(e -> failed(ctx, e))
        .onSuccess(v -> new LiveStream(ctx, type, tenantScope(who)).start());
  }

  /**
   * One SSE subscriber to the cluster stream: every instance's records from now on, filtered by type.
   * A subscriber too slow for the stream is told with an {@code event: skipped}.
   */
  private final class LiveStream {
    private final RoutingContext ctx;
    private final AuditQueries.Filter filter;
    private Runnable unsubscribe;
    private long heartbeat;
    private boolean closed;

    LiveStream(RoutingContext ctx, String type, String tenant) {
      this.ctx = ctx;
      this.filter = new AuditQueries.Filter(null, null, null, null, null, type, 0, tenant);
    }

    void start() {
      HttpServerResponse response = ctx.response().setChunked(true)
          .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store");
      response.write(": portcullis audit stream\n\n");
      unsubscribe = stream.subscribe(this::send, () -> {
        if (!closed) {
          response.write("event: skipped\ndata: {}\n\n");
        }
      });
      // each heartbeat checks the caller again: a revoked token, an ended session or a lost permission ends the stream
      heartbeat = vertx.setPeriodic(15_000, id -> auth.authenticate(ctx).onComplete(ar -> {
        if (closed) {
          return;
        }
        if (ar.succeeded() && ar.result().has(READ)) {
          response.write(": keep-alive\n\n");
        } else {
          response.end("event: revoked\ndata: {}\n\n");
          close();
        }
      }));
      response.closeHandler(v -> close());
      ctx.request().connection().closeHandler(v -> close());
    }

    private void send(List<String> records) {
      if (closed) {
        return;
      }
      StringBuilder out = new StringBuilder();
      for (String record : records) {
        JsonObject json = new JsonObject(record);
        if (filter.matches(json)) {
          out.append("id: ").append(json.getString("id")).append("\nevent: audit\ndata: ").append(record)
              .append("\n\n");
        }
      }
      if (!out.isEmpty()) {
        ctx.response().write(out.toString());
        if (ctx.response().writeQueueFull()) {
          // a subscriber that cannot keep up is let go rather than buffered without limit
          ctx.response().end("event: overflow\ndata: {}\n\n");
          close();
        }
      }
    }

    private void close() {
      if (!closed) {
        closed = true;
        vertx.cancelTimer(heartbeat);
        unsubscribe.run();
      }
    }
  }

  // ---- helpers

  private Future<Identity> authorize(RoutingContext ctx, String permission) {
    return auth.authenticate(ctx).compose(who -> {
      who.require(permission);
      return Future.succeededFuture(who.identity());
    }).onFailure(e -> AdminHttp.fail(ctx, e));
  }

  /**
   * The subject's pseudonym, or null when there is none — or when the subject is not a user of the
   * caller's tenant and the caller may not look beyond it (the same answer, so nothing leaks).
   */
  private Future<String> subjectPseudonym(String subject, Identity who) {
    if (subject == null) {
      return Future.succeededFuture(null);
    }
    String tenant = tenantScope(who);
    return identity.iam().blocking(() -> {
      if (tenant != null && !identity.iam().store().userById(subject).map(u -> tenant.equals(u.tenantId()))
          .orElse(false)) {
        return null;
      }
      return identity.iam().store().existingAuditPseudonym(subject).orElse(null);
    });
  }

  /** The tenant a caller's audit access is limited to, or null for every tenant. */
  private static String tenantScope(Identity who) {
    if (who.permissions().contains(ALL_TENANTS)
        && dev.portcullis.gateway.identity.Reserved.SYSTEM_TENANT.equals(who.tenant())) {
      return null; // only the system tenant's auditors see every tenant
    }
    return who.tenant() == null ? "" : who.tenant();
  }

  private Future<Void> admin(Identity who, String action, String targetType, String target,
      Map<String, String> details) {
    return log.admin(who.subject(), who.tenant(), action, targetType, target, details).mapEmpty();
  }

  private static Map<String, String> describe(AuditQueries.Filter filter) {
    Map<String, String> out = new LinkedHashMap<>();
    if (filter.subject() != null) {
      out.put("subject", filter.subject());
    }
    if (filter.from() != null) {
      out.put("from", filter.from().toString());
    }
    if (filter.to() != null) {
      out.put("to", filter.to().toString());
    }
    if (filter.route() != null) {
      out.put("route", filter.route());
    }
    if (filter.decision() != null) {
      out.put("decision", filter.decision());
    }
    if (filter.type() != null) {
      out.put("type", filter.type());
    }
    return out;
  }

  /** Parses and checks the query's filter parameters. */
  private static final class Filters {
    static java.util.Optional<Problem> parse(RoutingContext ctx) {
      var q = ctx.queryParams();
      for (String name : List.of("from", "to")) {
        if (q.get(name) != null) {
          try {
            Instant.parse(q.get(name));
          } catch (DateTimeParseException e) {
            return java.util.Optional.of(Problem.badRequest("INVALID_PARAMETER", name
                + " must be an ISO-8601 instant such as 2026-11-25T08:00:00Z"));
          }
        }
      }
      if (q.get("decision") != null && !DECISIONS.contains(q.get("decision"))) {
        return java.util.Optional.of(Problem.badRequest("INVALID_PARAMETER", "decision must be one of "
            + String.join(", ", new java.util.TreeSet<>(DECISIONS))));
      }
      if (q.get("route") != null && !ROUTE.matcher(q.get("route")).matches()) {
        return java.util.Optional.of(Problem.badRequest("INVALID_PARAMETER", "route is not a route id"));
      }
      if (q.get("type") != null && !TYPE.matcher(q.get("type")).matches()) {
        return java.util.Optional.of(Problem.badRequest("INVALID_PARAMETER", "type must be an event type such as "
            + "access, or a prefix ending in '.' such as auth."));
      }
      if (q.get("afterSeq") != null && !q.get("afterSeq").matches("\\d{1,18}")) {
        return java.util.Optional.of(Problem.badRequest("INVALID_PARAMETER", "afterSeq must be a sequence number"));
      }
      return java.util.Optional.empty();
    }

    static AuditQueries.Filter filter(RoutingContext ctx, String pseudonym, String tenant) {
      var q = ctx.queryParams();
      return new AuditQueries.Filter(pseudonym, q.get("from") == null ? null : Instant.parse(q.get("from")),
          q.get("to") == null ? null : Instant.parse(q.get("to")), q.get("route"), q.get("decision"), q.get("type"),
          q.get("afterSeq") == null ? 0 : Long.parseLong(q.get("afterSeq")), tenant);
    }
  }

  static String csv(List<JsonObject> records) {
    StringBuilder out = new StringBuilder(String.join(",", CSV_COLUMNS)).append("\r\n");
    for (JsonObject record : records) {
      out.append(String.join(",", CSV_COLUMNS.stream().map(column -> cell(record.getValue(column))).toList()))
          .append("\r\n");
    }
    return out.toString();
  }

  /** RFC 4180 quoting, and a leading quote before what a spreadsheet would run as a formula. */
  private static String cell(Object value) {
    if (value == null) {
      return "";
    }
    String text = value.toString();
    if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
      text = "'" + text;
    }
    if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
      text = "\"" + text.replace("\"", "\"\"") + "\"";
    }
    return text;
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").end(body.encode());
  }

  private static void problem(RoutingContext ctx, Problem problem) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(problem.status()).putHeader("Content-Type", Problem.CONTENT_TYPE)
          .end(problem.toJson(null).encode());
    }
  }

  private static void failed(RoutingContext ctx, Throwable e) {
    if (e instanceof Journal.JournalUnavailableException) {
      problem(ctx, Problem.unavailable("AUDIT_UNAVAILABLE", "the audit journal cannot record this admin action "
          + "right now, so it was refused"));
      return;
    }
    LOG.error("Audit admin request failed: {}", e.toString());
    problem(ctx, Problem.unavailable("AUDIT_ADMIN_UNAVAILABLE", "the request could not be completed; see the "
        + "gateway log"));
  }
}
