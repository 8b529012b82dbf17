package dev.portcullis.plugins.rbac;

import dev.portcullis.plugin.CoreAttributes;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Allows an identity whose {@link Identity#permissions()} satisfy the rule — all of the listed
 * permissions, or at least one of them. The core has already limited those permissions to role
 * bindings active now in the user's own tenant, so this policy only compares strings: exactly, with
 * no wildcard or hierarchy. On allow it records the permissions used
 * ({@link CoreAttributes#PERMISSIONS_USED}); on deny it journals which were missing, and tells the
 * client only that one is.
 */
final class RbacPolicy implements Policy {

  static final String KEY = "PERMISSION_MISSING";
  static final String EVENT = "permission-missing";
  /** The journal's limit for one detail value. */
  static final int MAX_DETAIL = 256;

  private static final Future<Decision> ALLOW = Future.succeededFuture(Decision.allow());
  private static final Future<Decision> LOGIN = Future.succeededFuture(
      Decision.challenge("login", "sign in first"));
  private static final Future<Decision> DENY = Future.succeededFuture(
      Decision.deny(403, KEY, "your account lacks a permission this route needs"));

  /** The listed permissions, sorted. */
  private final String[] listed;
  private final boolean all;
  /** allOf: the permissions used on every allow, precomputed. */
  private final String allUsed;

  private RbacPolicy(Set<String> sorted, boolean all) {
    this.listed = sorted.toArray(new String[0]);
    this.all = all;
    this.allUsed = String.join(",", listed);
  }

  /** @param sorted the permissions, sorted and distinct */
  static RbacPolicy allOf(Set<String> sorted) {
    return new RbacPolicy(sorted, true);
  }

  /** @param sorted the permissions, sorted and distinct */
  static RbacPolicy anyOf(Set<String> sorted) {
    return new RbacPolicy(sorted, false);
  }

  @Override
  public Future<Decision> evaluate(PolicyContext context) {
    Optional<Identity> found = context.identity();
    if (found.isEmpty()) {
      return LOGIN;
    }
    Set<String> held = found.get().permissions();
    return all ? allOf(context, held) : anyOf(context, held);
  }

  private Future<Decision> allOf(PolicyContext context, Set<String> held) {
    List<String> missing = null;
    for (String permission : listed) {
      if (!held.contains(permission)) {
        if (missing == null) {
          missing = new ArrayList<>();
        }
        missing.add(permission);
      }
    }
    if (missing == null) {
      context.attribute(CoreAttributes.PERMISSIONS_USED, allUsed);
      return ALLOW;
    }
    return deny(context, missing, "allOf");
  }

  private Future<Decision> anyOf(PolicyContext context, Set<String> held) {
    StringBuilder used = null;
    for (String permission : listed) {
      if (held.contains(permission)) {
        if (used == null) {
          used = new StringBuilder(permission);
        } else {
          used.append(',').append(permission);
        }
      }
    }
    if (used != null) {
      context.attribute(CoreAttributes.PERMISSIONS_USED, used.toString());
      return ALLOW;
    }
    return deny(context, List.of(listed), "anyOf");
  }

  private static Future<Decision> deny(PolicyContext context, List<String> missing, String rule) {
    context.audit(EVENT, Map.of("missing", fit(missing), "rule", rule));
    return DENY;
  }

  /**
   * The permissions comma-joined; when that is longer than the journal allows, as many whole
   * permissions as fit followed by {@code ,+N more}.
   */
  static String fit(List<String> permissions) {
    String joined = String.join(",", permissions);
    if (joined.length() <= MAX_DETAIL) {
      return joined;
    }
    StringBuilder out = new StringBuilder();
    int taken = 0;
    for (String permission : permissions) {
      int length = out.length() + (taken == 0 ? 0 : 1) + permission.length();
      int rest = permissions.size() - taken - 1;
      int suffix = rest == 0 ? 0 : (",+" + rest + " more").length();
      if (length + suffix > MAX_DETAIL) {
        break;
      }
      if (taken > 0) {
        out.append(',');
      }
      out.append(permission);
      taken++;
    }
    return out.append(",+").append(permissions.size() - taken).append(" more").toString();
  }
}
