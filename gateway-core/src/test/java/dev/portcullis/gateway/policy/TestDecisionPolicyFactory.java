package dev.portcullis.gateway.policy;

import dev.portcullis.plugin.ConfigErrors;
import dev.portcullis.plugin.Decision;
import dev.portcullis.plugin.Policy;
import dev.portcullis.plugin.PolicyFactory;
import dev.portcullis.plugin.PolicySetup;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A policy for testing the engine: answers what its config says ({@code allow}, {@code deny},
 * {@code challenge}, {@code abstain}), or misbehaves on purpose ({@code fail}, {@code throw},
 * {@code hang}, {@code null}); {@code delayMs} answers asynchronously. Counts its evaluations.
 */
public final class TestDecisionPolicyFactory implements PolicyFactory<TestDecisionPolicyFactory.Config> {

  public static final AtomicInteger EVALUATIONS = new AtomicInteger();
  private static final Set<String> DECISIONS =
      Set.of("allow", "deny", "challenge", "abstain", "fail", "throw", "hang", "null");

  public record Config(String decision, long delayMs, String tag, String audit, String permissions) {
  }

  @Override
  public String id() {
    return "test-decision";
  }

  @Override
  public Class<Config> configType() {
    return Config.class;
  }

  @Override
  public List<Option> options() {
    return List.of(new Option("decision", "string", "what to answer", null),
        new Option("delayMs", "number", "answer asynchronously after this delay", "0"),
        new Option("tag", "string", "a value to add upstream as X-Test-Policy", null),
        new Option("audit", "string", "journal a plugin event of this name with each evaluation", null),
        new Option("permissions", "string", "sets CoreAttributes.PERMISSIONS_USED", null));
  }

  @Override
  public void validate(Config config, PolicySetup setup, ConfigErrors errors) {
    if ("explode".equals(config.tag())) {
      throw new IllegalStateException("plugin bug on purpose");
    }
    if (config.decision() == null) {
      errors.add("decision", "is required");
    } else if (!DECISIONS.contains(config.decision())) {
      errors.add("decision", "must be one of " + DECISIONS + ", got '" + config.decision() + "'");
    }
  }

  @Override
  public Policy create(Config config, PolicySetup setup) {
    return context -> {
      EVALUATIONS.incrementAndGet();
      if (config.tag() != null) {
        context.addUpstreamHeader("X-Test-Policy", config.tag());
      }
      if (config.audit() != null) {
        context.audit(config.audit(), java.util.Map.of("decision", config.decision()));
      }
      if (config.permissions() != null) {
        context.attribute(dev.portcullis.plugin.CoreAttributes.PERMISSIONS_USED, config.permissions());
      }
      Decision decision = switch (config.decision()) {
        case "allow" -> Decision.allow();
        case "deny" -> Decision.deny(403, "TEST_DENIED", "the test policy says no");
        case "challenge" -> Decision.challenge("mfa", "a second factor is needed");
        case "abstain" -> Decision.abstain();
        case "throw" -> throw new IllegalStateException("test policy blew up");
        case "fail" -> null;
        case "null" -> null;
        default -> null;
      };
      if (config.decision().equals("null")) {
        return null;
      }
      if (config.decision().equals("hang")) {
        return Promise.<Decision>promise().future();
      }
      if (config.decision().equals("fail")) {
        return Future.failedFuture(new IllegalStateException("test policy failed"));
      }
      if (config.delayMs() > 0) {
        Promise<Decision> later = Promise.promise();
        Vertx.currentContext().owner().setTimer(config.delayMs(), id -> later.complete(decision));
        return later.future();
      }
      return Future.succeededFuture(decision);
    };
  }
}
