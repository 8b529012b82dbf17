package dev.portcullis.plugins.tenantisolation;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import io.vertx.core.Future;

import java.util.Map;
import java.util.Optional;

/**
 * Allows a request only when the tenant it names (see {@link TenantSource}) is the tenant of the
 * identity asking. Fails closed: a request that names no well-formed tenant is refused, and so is
 * an identity without a tenant. A cross-tenant attempt is journaled as a security event.
 */
final class TenantIsolationPolicy implements Policy {

  static final String UNKNOWN_KEY = "TENANT_UNKNOWN";
  static final String MISMATCH_KEY = "TENANT_MISMATCH";
  static final String EVENT = "cross-tenant";
  /** The journal's limit for one detail value. */
  private static final int MAX_DETAIL = 256;

  private static final Future<Decision> ALLOW = Future.succeededFuture(Decision.allow());
  private static final Future<Decision> LOGIN = Future.succeededFuture(
      Decision.challenge("login", "sign in first"));
  private static final Future<Decision> UNKNOWN = Future.succeededFuture(
      Decision.deny(400, UNKNOWN_KEY, "the request does not name a tenant this route can check"));
  private static final Future<Decision> MISMATCH = Future.succeededFuture(
      Decision.deny(403, MISMATCH_KEY, "this resource belongs to another tenant"));

  private final TenantSource source;

  TenantIsolationPolicy(TenantSource source) {
    this.source = source;
  }

  @Override
  public Future<Decision> evaluate(PolicyContext context) {
    Optional<Identity> identity = context.identity();
    if (identity.isEmpty()) {
      return LOGIN;
    }
    String requested = source.tenant(context.request());
    if (requested == null) {
      return UNKNOWN;
    }
    String own = identity.get().tenant();
    if (requested.equals(own)) {
      return ALLOW;
    }
    context.audit(EVENT, Map.of("requested", requested,
        "own", own == null ? "none" : own.length() > MAX_DETAIL ? own.substring(0, MAX_DETAIL) : own));
    return MISMATCH;
  }
}
