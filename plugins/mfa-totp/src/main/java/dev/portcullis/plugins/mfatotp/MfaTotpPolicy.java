package dev.portcullis.plugins.mfatotp;

import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import io.vertx.core.Future;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Requires a second factor, optionally a recent one, from the identities it applies to. Reads only
 * {@link Identity#authMethods()} and {@link Identity#roles()}; the factor itself is proven on the
 * core's sign-in / step-up pages. Decides on {@link PolicyContext#clock()}; a factor proven "in
 * the future" (clock skew between instances) counts as fresh.
 */
final class MfaTotpPolicy implements Policy {

  private static final Future<Decision> ALLOW = Future.succeededFuture(Decision.allow());
  private static final Future<Decision> ABSTAIN = Future.succeededFuture(Decision.abstain());
  private static final Future<Decision> LOGIN = Future.succeededFuture(
      Decision.challenge("login", "sign in first"));
  private static final Future<Decision> MISSING = Future.succeededFuture(
      Decision.challenge("mfa", "a second factor is required"));

  /** Null when any second factor of the session counts. */
  private final Duration maxAge;
  private final Future<Decision> stale;
  /** Null when every identity is checked. */
  private final Set<String> roles;
  private final Set<String> methods;

  /**
   * @param maxAge     null for "any age"
   * @param maxAgeText the option as the user wrote it, for the challenge hint
   * @param roles      null for "everyone"
   */
  MfaTotpPolicy(Duration maxAge, String maxAgeText, Set<String> roles, Set<String> methods) {
    this.maxAge = maxAge;
    this.stale = maxAge == null ? null : Future.succeededFuture(
        Decision.challenge("mfa", "second factor older than " + maxAgeText));
    this.roles = roles == null ? null : Set.copyOf(roles);
    this.methods = Set.copyOf(methods);
  }

  @Override
  public Future<Decision> evaluate(PolicyContext context) {
    Optional<Identity> found = context.identity();
    if (found.isEmpty()) {
      return LOGIN;
    }
    Identity identity = found.get();
    if (roles != null && !holdsAny(identity.roles())) {
      return ABSTAIN;
    }
    Instant latest = latestSecondFactor(identity.authMethods());
    if (latest == null) {
      return MISSING;
    }
    if (maxAge != null && Duration.between(latest, context.clock().instant()).compareTo(maxAge) > 0) {
      return stale;
    }
    return ALLOW;
  }

  private boolean holdsAny(Set<String> held) {
    for (String role : held) {
      if (roles.contains(role)) {
        return true;
      }
    }
    return false;
  }

  private Instant latestSecondFactor(Map<String, Instant> proven) {
    Instant latest = null;
    for (Map.Entry<String, Instant> method : proven.entrySet()) {
      if (methods.contains(method.getKey()) && (latest == null || method.getValue().isAfter(latest))) {
        latest = method.getValue();
      }
    }
    return latest;
  }

  /** {@code require: false}: the policy stays in the chain and has no opinion. */
  static Policy off() {
    return context -> ABSTAIN;
  }
}
