package dev.portcullis.gateway.policy;

import dev.portcullis.plugin.Decision;

/**
 * What a whole chain decided: pass, or a refusal that names the policy responsible (null when
 * nobody allowed) and carries the decision the core turns into a response.
 */
public record Verdict(Kind kind, String policyId, Decision decision) {

  public enum Kind { ALLOW, DENY, CHALLENGE, NOBODY_ALLOWED, ERROR }

  static final Verdict ALLOW = new Verdict(Kind.ALLOW, null, Decision.allow());
  static final Verdict NOBODY_ALLOWED = new Verdict(Kind.NOBODY_ALLOWED, null, null);

  static Verdict refused(String policyId, Decision decision) {
    return new Verdict(decision instanceof Decision.Challenge ? Kind.CHALLENGE : Kind.DENY, policyId, decision);
  }

  static Verdict error(String policyId) {
    return new Verdict(Kind.ERROR, policyId, null);
  }
}
