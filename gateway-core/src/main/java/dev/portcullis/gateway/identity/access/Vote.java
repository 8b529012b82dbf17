package dev.portcullis.gateway.identity.access;

import java.time.Instant;

/** One approver's decision on an access request. */
public record Vote(String requestId, String approverId, Decision decision, String comment, Instant createdAt) {

  public enum Decision {
    APPROVE, DENY;

    public String key() {
      return this == APPROVE ? "approve" : "deny";
    }

    /** {@code approve} or {@code deny}; null for anything else. */
    public static Decision of(String key) {
      return "approve".equals(key) ? APPROVE : "deny".equals(key) ? DENY : null;
    }
  }
}
