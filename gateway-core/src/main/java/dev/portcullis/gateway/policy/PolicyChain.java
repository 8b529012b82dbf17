package dev.portcullis.gateway.policy;

import dev.portcullis.gateway.observe.GatewayMetrics;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyContext;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * A route's ordered policies, built once per configuration version. Runs them one after another
 * for a request and says what the chain decided:
 * <ul>
 *   <li>the first enforcing deny or challenge ends the chain;</li>
 *   <li>otherwise the request passes only if at least one enforcing policy allowed (deny by default);</li>
 *   <li>a policy that throws, fails or exceeds the timeout ends the chain as an error (fail closed);</li>
 *   <li>shadow policies are evaluated, counted and logged, but their outcome (even an error) is ignored.</li>
 * </ul>
 * A policy whose future is already complete is handled synchronously, with no timer and no hop.
 */
public final class PolicyChain {

  private static final Logger LOG = LoggerFactory.getLogger(PolicyChain.class);

  /** One evaluated position of the chain. */
  public record Link(String policyId, Policy policy, boolean shadow) {
  }

  private final Vertx vertx;
  private final String routeId;
  private final Link[] links;
  private final long timeoutMillis;
  private final GatewayMetrics metrics;

  public PolicyChain(Vertx vertx, String routeId, List<Link> links, Duration timeout, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.routeId = routeId;
    this.links = links.toArray(new Link[0]);
    this.timeoutMillis = timeout.toMillis();
    this.metrics = metrics;
  }

  public boolean isEmpty() {
    return links.length == 0;
  }

  public Link[] links() {
    return links.clone();
  }

  /** Evaluates the chain; the future completes on the caller's context. */
  public Future<Verdict> evaluate(PolicyContext context) {
    Promise<Verdict> result = Promise.promise();
    new Run(context, Vertx.currentContext(), result).step(0, false);
    return result.future();
  }

  private final class Run {
    private final PolicyContext context;
    private final Context eventLoop;
    private final Promise<Verdict> result;

    Run(PolicyContext context, Context eventLoop, Promise<Verdict> result) {
      this.context = context;
      this.eventLoop = eventLoop;
      this.result = result;
    }

    void step(int index, boolean allowed) {
      int i = index;
      boolean anyAllow = allowed;
      // iterate while policies answer synchronously; recurse through callbacks only for async ones
      while (i < links.length) {
        Link link = links[i];
        long start = System.nanoTime();
        Future<Decision> future = invoke(link);
        if (!future.isComplete()) {
          int next = i;
          boolean soFar = anyAllow;
          withTimeout(future).onComplete(ar -> onEventLoop(() -> {
            Outcome outcome = handle(link, ar, start);
            continueWith(outcome, next, soFar);
          }));
          return;
        }
        Outcome outcome = handle(link, future, start);
        if (outcome == Outcome.STOP) {
          return;
        }
        anyAllow |= outcome == Outcome.ALLOWED;
        i++;
      }
      result.complete(anyAllow ? Verdict.ALLOW : Verdict.NOBODY_ALLOWED);
    }

    private void continueWith(Outcome outcome, int index, boolean anyAllow) {
      if (outcome != Outcome.STOP) {
        step(index + 1, anyAllow || outcome == Outcome.ALLOWED);
      }
    }

    private Future<Decision> invoke(Link link) {
      if (context instanceof RequestPolicyContext request) {
        request.evaluating(link.policyId(), link.shadow());
      }
      try {
        Future<Decision> future = link.policy().evaluate(context);
        return future == null ? Future.failedFuture(new NullPointerException("evaluate returned null")) : future;
      } catch (RuntimeException | Error e) {
        return Future.failedFuture(e);
      }
    }

    private Future<Decision> withTimeout(Future<Decision> future) {
      Promise<Decision> bounded = Promise.promise();
      long timer = vertx.setTimer(timeoutMillis, id -> bounded.tryFail(new PolicyTimeoutException(timeoutMillis)));
      future.onComplete(ar -> {
        vertx.cancelTimer(timer);
        if (ar.succeeded()) {
          bounded.tryComplete(ar.result());
        } else {
          bounded.tryFail(ar.cause());
        }
      });
      return bounded.future();
    }

    private void onEventLoop(Runnable action) {
      if (eventLoop == null || Vertx.currentContext() == eventLoop) {
        action.run();
      } else {
        eventLoop.runOnContext(v -> action.run());
      }
    }

    private void shadowed(Link link, String wouldBe, String key) {
      if (context instanceof RequestPolicyContext request) {
        request.shadowed(link.policyId(), wouldBe, key);
      }
    }

    /** Counts and logs one answer; completes the result when the chain ends here. */
    private Outcome handle(Link link, AsyncResult<Decision> answer, long start) {
      metrics.policyLatency(routeId, link.policyId(), System.nanoTime() - start);
      Decision decision = answer.succeeded() ? answer.result() : null;
      if (decision == null) {
        Throwable cause = answer.failed() ? answer.cause() : new NullPointerException("null decision");
        metrics.policyOutcome(routeId, link.policyId(), link.shadow() ? "shadow_error" : "error");
        LOG.warn("Policy '{}' on route '{}' failed{}: {}", link.policyId(), routeId,
            link.shadow() ? " (shadow, ignored)" : "; request refused", cause.toString());
        if (link.shadow()) {
          shadowed(link, "error", "POLICY_ERROR");
          return Outcome.NEUTRAL;
        }
        result.complete(Verdict.error(link.policyId()));
        return Outcome.STOP;
      }
      String outcome = outcomeName(decision);
      if (link.shadow()) {
        metrics.policyOutcome(routeId, link.policyId(), "shadow_" + outcome);
        if (decision instanceof Decision.Deny deny) {
          LOG.info("Shadow policy '{}' on route '{}' would deny: {} {}", link.policyId(), routeId,
              deny.status(), deny.key());
          shadowed(link, "deny", deny.key());
        } else if (decision instanceof Decision.Challenge challenge) {
          LOG.info("Shadow policy '{}' on route '{}' would challenge: {}", link.policyId(), routeId, challenge.kind());
          shadowed(link, "challenge", challenge.kind().toUpperCase(java.util.Locale.ROOT) + "_REQUIRED");
        }
        return Outcome.NEUTRAL;
      }
      metrics.policyOutcome(routeId, link.policyId(), outcome);
      if (decision instanceof Decision.Allow) {
        return Outcome.ALLOWED;
      }
      if (decision instanceof Decision.Abstain) {
        return Outcome.NEUTRAL;
      }
      result.complete(Verdict.refused(link.policyId(), decision));
      return Outcome.STOP;
    }
  }

  private enum Outcome { ALLOWED, NEUTRAL, STOP }


  private static String outcomeName(Decision decision) {
    if (decision instanceof Decision.Allow) {
      return "allowed";
    }
    if (decision instanceof Decision.Deny) {
      return "denied";
    }
    if (decision instanceof Decision.Challenge) {
      return "challenged";
    }
    return "abstained";
  }
}
