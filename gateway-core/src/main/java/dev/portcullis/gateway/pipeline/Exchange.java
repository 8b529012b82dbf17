package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.identity.Authenticated;
import dev.portcullis.gateway.observe.RequestObserver;
import dev.portcullis.plugin.Identity;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * The state of one request as it travels through the pipeline: what each stage found out (canonical
 * path, client address, route, request id) and the means to move on or stop. Lives on the
 * request's event loop only, so nothing here is synchronised.
 */
public final class Exchange {

  private final HttpServerRequest request;
  private final Stage[] stages;
  private final RequestObserver observer;
  private final long startNanos = System.nanoTime();
  private int index = -1;
  private boolean finished;

  private String host;
  private String path;
  private String clientAddress;
  private boolean peerTrusted;
  private String requestId;
  private String traceparent;
  private RouteTable.CompiledRoute route;
  private String outcome = "";
  private String decidedBy;
  private Runnable onClientGone;
  private MultiMap upstreamHeaders;
  private IntConsumer upstreamResponseHook;
  private Authenticated authenticated;
  private final AccessAudit audit;
  private String decision;
  private String decisionKey;
  private String permissionsUsed;
  private long decisionNanos;
  private boolean audited;
  private boolean refusedAfterAllow;
  private List<AccessAudit.Note> auditNotes;
  private dev.portcullis.gateway.audit.Journal.Ticket journalTicket;

  Exchange(HttpServerRequest request, Stage[] stages, RequestObserver observer, String hsts, AccessAudit audit) {
    this.request = request;
    this.stages = stages;
    this.observer = observer;
    this.audit = audit;
    HttpServerResponse response = request.response();
    // Set last, so an upstream can neither drop nor weaken them.
    response.headersEndHandler(v -> {
      response.headers().set("Strict-Transport-Security", hsts);
      if (requestId != null) {
        response.headers().set("X-Request-Id", requestId);
      }
    });
    response.endHandler(v -> finish());
    response.closeHandler(v -> {
      if (onClientGone != null) {
        onClientGone.run();
      }
      finish();
    });
  }

  /** Runs the next stage. */
  public void next() {
    index++;
    if (index < stages.length) {
      stages[index].handle(this);
    }
  }

  /** Ends the request with a problem response; the body, if any, is not read. */
  public void reject(Problem problem) {
    outcome = problem.key();
    if (decision == null) {
      decided(problem.status() == 401 ? "challenge" : problem.status() >= 500 ? "error" : "deny", problem.key());
    } else if (audited && audit != null && "allow".equals(decision) && !refusedAfterAllow
        && !problem.key().equals("AUDIT_UNAVAILABLE")) {
      // allowed, then stopped on the way (body limit, upstream failure): the journal must not say only "allow"
      refusedAfterAllow = true;
      audit.refusedAfterAllow(this, problem);
    }
    HttpServerResponse response = request.response();
    if (response.closed()) {
      return; // the client has gone; there is no one to tell
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.CONTENT_TYPE);
    if (!hasBody()) {
      request.resume(); // consume the (empty) end so the connection can carry the next request
    } else if (!request.isEnded() && request.version() != HttpVersion.HTTP_2) {
      // Unread body: close rather than drain an arbitrarily large upload.
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    response.end(problem.toJson(requestId).toBuffer());
  }

  private void finish() {
    if (!finished) {
      finished = true;
      if (audit != null && !audited && decision != null) {
        audited = true;
        audit.refused(this);
      }
      observer.completed(this, (System.nanoTime() - startNanos) / 1_000_000.0);
    }
  }

  public HttpServerRequest request() {
    return request;
  }

  public HttpServerResponse response() {
    return request.response();
  }

  /** Lower-case host without port, as used for routing. */
  public String host() {
    return host;
  }

  void host(String host) {
    this.host = host;
  }

  /** The canonical path (see PathNormalizer); the only path any stage may look at. */
  public String path() {
    return path;
  }

  void path(String path) {
    this.path = path;
  }

  public String clientAddress() {
    return clientAddress;
  }

  void clientAddress(String clientAddress, boolean peerTrusted) {
    this.clientAddress = clientAddress;
    this.peerTrusted = peerTrusted;
  }

  /** Whether the socket peer is a trusted proxy (whose forwarding headers may be extended). */
  public boolean peerTrusted() {
    return peerTrusted;
  }

  /** Whether the request announces a body (a length above zero, chunked, or an open HTTP/2 stream). */
  public boolean hasBody() {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      return !length.trim().equals("0");
    }
    if (request.version() == HttpVersion.HTTP_2) {
      return !request.isEnded();
    }
    return request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  public String requestId() {
    return requestId;
  }

  public String traceparent() {
    return traceparent;
  }

  void ids(String requestId, String traceparent) {
    this.requestId = requestId;
    this.traceparent = traceparent;
  }

  public RouteTable.CompiledRoute route() {
    return route;
  }

  void route(RouteTable.CompiledRoute route) {
    this.route = route;
  }

  /** A short word for the log: the problem key, or what the forwarder reports. */
  public String outcome() {
    return outcome;
  }

  public void outcome(String outcome) {
    this.outcome = outcome;
  }

  /** The policy that decided a refusal (null when the request passed or no policy ran). */
  public String decidedBy() {
    return decidedBy;
  }

  void decidedBy(String policyId) {
    this.decidedBy = policyId;
  }

  /** Sets a header for the upstream request (policies use this through their context). */
  public void upstreamHeader(String name, String value) {
    if (upstreamHeaders == null) {
      upstreamHeaders = HttpHeaders.headers();
    }
    upstreamHeaders.set(name, value);
  }

  /** Headers the policies asked to add upstream, or null. */
  public MultiMap upstreamHeaders() {
    return upstreamHeaders;
  }

  void onUpstreamResponse(IntConsumer hook) {
    this.upstreamResponseHook = hook;
  }

  /** Called by the forwarder when the upstream's response head arrived. */
  public void upstreamResponded(int status) {
    if (upstreamResponseHook != null) {
      upstreamResponseHook.accept(status);
    }
  }

  /** How the request was authenticated, or null for an anonymous one. */
  public Authenticated authenticated() {
    return authenticated;
  }

  /** Who is asking, or null when anonymous. */
  public Identity identity() {
    return authenticated == null ? null : authenticated.identity();
  }

  void authenticated(Authenticated authenticated) {
    this.authenticated = authenticated;
  }

  /** Registers what to do when the client disconnects before the response ends. */
  public void onClientGone(Runnable action) {
    this.onClientGone = action;
  }

  /**
   * Records what was decided about this request, for the audit event: allow, deny, challenge or
   * error, with the problem key. The first decision counts.
   */
  void decided(String decision, String key) {
    if (this.decision == null) {
      this.decision = decision;
      this.decisionKey = key;
      this.decisionNanos = System.nanoTime();
    }
  }

  String decision() {
    return decision;
  }

  /** The permissions the chain allowed this request by (CoreAttributes.PERMISSIONS_USED), or null. */
  String permissionsUsed() {
    return permissionsUsed;
  }

  void permissionsUsed(String permissions) {
    this.permissionsUsed = permissions;
  }

  String decisionKey() {
    return decisionKey;
  }

  /** Nanoseconds from arrival to the decision (to now when nothing was decided yet). */
  /** Nanoseconds since the request arrived. */
  long elapsedNanos() {
    return System.nanoTime() - startNanos;
  }

  long decisionLatencyNanos() {
    return (decision == null ? System.nanoTime() : decisionNanos) - startNanos;
  }

  /** Marks the access event as written (or as impossible to write), so the end of the request adds none. */
  void audited() {
    audited = true;
  }

  void journalTicket(dev.portcullis.gateway.audit.Journal.Ticket ticket) {
    this.journalTicket = ticket;
  }

  /**
   * Runs {@code respond} once the request's audit event is in the journal — at once in the usual
   * case, where the writer finished while the upstream worked. When the event could not be journaled,
   * the response is refused with 503 instead and {@code abandon} runs (the upstream's answer is dropped).
   */
  public void beforeResponse(Runnable respond, Runnable abandon) {
    dev.portcullis.gateway.audit.Journal.Ticket ticket = journalTicket;
    if (ticket == null || ticket.done()) {
      respond.run();
      return;
    }
    ticket.whenDone().onComplete(ar -> {
      if (response().closed()) {
        abandon.run();
      } else if (ar.succeeded()) {
        respond.run();
      } else {
        abandon.run();
        reject(AccessAudit.unavailable());
      }
    });
  }

  /** A shadow outcome or plugin event to journal with this request's decision. */
  public void auditNote(AccessAudit.Note note) {
    if (auditNotes == null) {
      auditNotes = new ArrayList<>(2);
    }
    auditNotes.add(note);
  }

  List<AccessAudit.Note> auditNotes() {
    return auditNotes == null ? List.of() : auditNotes;
  }
}
