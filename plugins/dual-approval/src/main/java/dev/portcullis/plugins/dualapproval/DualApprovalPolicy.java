package dev.portcullis.plugins.dualapproval;

import dev.portcullis.plugin.CoreAttributes;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Identity;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import io.vertx.core.Future;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Allows a signed-in user only while they hold {@code approval:<route id>}: the permission of the
 * timed role binding the gateway creates when an access request for this route has been approved
 * by enough other people (see the gateway's access requests). The binding's window is checked by
 * the core on every request, so access ends by itself when the granted duration is over. Reads
 * only the identity and the route id; never blocks.
 */
final class DualApprovalPolicy implements Policy {

  static final String KEY = "APPROVAL_REQUIRED";
  static final String PERMISSION_PREFIX = "approval:";
  private static final Future<Decision> LOGIN = Future.succeededFuture(Decision.challenge("login", "sign in first"));

  @Override
  public Future<Decision> evaluate(PolicyContext context) {
    Optional<Identity> identity = context.identity();
    if (identity.isEmpty()) {
      return LOGIN;
    }
    String route = context.routeId();
    String permission = PERMISSION_PREFIX + route;
    if (identity.get().permissions().contains(permission)) {
      context.attribute(CoreAttributes.PERMISSIONS_USED, permission); // the core adds it to earlier policies' 
      return Future.succeededFuture(Decision.allow());
    }
    context.audit("approval-missing", Map.of());
    return Future.succeededFuture(Decision.deny(403, KEY, "This route needs an access request approved by other "
        + "people. Request access at /.portcullis/access?targetType=route&target="
        + URLEncoder.encode(route, StandardCharsets.UTF_8)));
  }
}
