package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.identity.store.Grant;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.plugin.Identity;
import io.vertx.core.Future;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a local user into the Identity policies see: the roles and permissions of the grants whose
 * window is open now, in the user's own tenant only (a binding in another tenant never leaks in).
 */
public final class IdentityResolver {

  private final Iam iam;
  private final Clock clock;

  public IdentityResolver(Iam iam, Clock clock) {
    this.iam = iam;
    this.clock = clock;
  }

  /** The user's identity now, or null when the user is gone or disabled. */
  public Future<Identity> resolve(String userId, Map<String, Instant> authMethods, Set<String> scopeLimit) {
    return iam.user(userId).compose(user -> {
      Optional<User> found = user;
      if (found.isEmpty() || !found.get().active()) {
        return Future.succeededFuture();
      }
      return iam.grants(userId).map(grants -> identity(found.get(), grants, authMethods, scopeLimit));
    });
  }

  private Identity identity(User user, List<Grant> grants, Map<String, Instant> authMethods, Set<String> scopeLimit) {
    Instant now = clock.instant();
    Set<String> roles = new LinkedHashSet<>();
    Set<String> permissions = new LinkedHashSet<>();
    for (Grant grant : grants) {
      if (grant.tenantId().equals(user.tenantId()) && grant.activeAt(now)) {
        // An API token names no more roles than its scopes cover: a role is a promise of its permissions.
        if (scopeLimit == null || scopeLimit.containsAll(grant.permissions())) {
          roles.add(grant.roleName());
        }
        permissions.addAll(grant.permissions());
      }
    }
    if (scopeLimit != null) {
      permissions.retainAll(scopeLimit); // an API token never carries more than its scopes
    }
    return new Identity(user.id(), user.tenantId(), roles, permissions, authMethods);
  }
}
