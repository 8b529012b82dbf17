package dev.portcullis.gateway.pipeline;

import dev.portcullis.gateway.policy.PolicyChain;
import dev.portcullis.gateway.policy.RequestPolicyContext;
import dev.portcullis.gateway.policy.Verdict;
import dev.portcullis.plugin.Decision;
import io.vertx.core.Vertx;

import java.time.Clock;

/**
 * Step 5: runs the route's policy chain and turns its verdict into the request's fate. Only here
 * does a policy decision become HTTP: deny → the policy's status and key, challenge → the login
 * page for a browser (kind {@code login}) or 401 with {@code WWW-Authenticate}, nobody allowed →
 * 403, policy error → 503. A route without policies is
 * public (config validation made sure it says so).
 */
final class PolicyStage implements Stage {

  private final Vertx vertx;
  private final Clock clock;
  private final boolean portal;

  private final dev.portcullis.plugin.limits.TokenBuckets buckets;

  PolicyStage(Vertx vertx, Clock clock, boolean portal, dev.portcullis.plugin.limits.TokenBuckets buckets) {
    this.buckets = buckets;
    this.vertx = vertx;
    this.clock = clock;
    this.portal = portal;
  }

  @Override
  public void handle(Exchange exchange) {
    PolicyChain chain = exchange.route().chain();
    if (chain.isEmpty()) {
      exchange.next();
      return;
    }
    RequestPolicyContext context = new RequestPolicyContext(exchange, vertx, clock, buckets);
    chain.evaluate(context).onComplete(ar -> {
      Verdict verdict = ar.result();
      exchange.decidedBy(verdict.policyId());
      switch (verdict.kind()) {
        case ALLOW -> {
          exchange.permissionsUsed(context.attribute(dev.portcullis.plugin.CoreAttributes.PERMISSIONS_USED));
          exchange.decided("allow", null);
          if (exchange.response().closed()) {
            return; // the client left while the policies decided: forward nothing
          }
          exchange.onUpstreamResponse(status -> {
            for (PolicyChain.Link link : chain.links()) {
              notifyResponse(link, context, status);
            }
          });
          exchange.next();
        }
        case DENY -> {
          Decision.Deny deny = (Decision.Deny) verdict.decision();
          exchange.reject(new Problem(deny.status(), deny.key(), deny.status() >= 500 ? "Service unavailable"
              : "Forbidden", deny.message()));
        }
        case CHALLENGE -> {
          Decision.Challenge challenge = (Decision.Challenge) verdict.decision();
          if (challenge.kind().equals("login")) {
            Challenges.login(exchange, portal, challenge.hint());
          } else if (challenge.kind().equals("mfa")) {
            Challenges.secondFactor(exchange, portal, challenge.hint());
          } else {
            Challenges.other(exchange, challenge.kind(), challenge.hint());
          }
        }
        case NOBODY_ALLOWED -> exchange.reject(new Problem(403, "ACCESS_DENIED", "Forbidden",
            "no policy on this route allowed the request"));
        case ERROR -> exchange.reject(Problem.unavailable("POLICY_ERROR",
            "a policy could not decide about this request; it was refused"));
      }
    });
  }

  private static void notifyResponse(PolicyChain.Link link, RequestPolicyContext context, int status) {
    try {
      link.policy().onResponse(context, status);
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(PolicyStage.class).warn("Policy '{}' response hook failed: {}",
          link.policyId(), e.toString());
    }
  }
}
