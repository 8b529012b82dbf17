package dev.portcullis.gateway.identity.store;

import java.time.Instant;

/** Exactly one of {@code userId} and {@code groupId} is set. */
public record RoleBinding(String id, String roleId, String userId, String groupId, Instant validFrom,
    Instant validUntil, String reason, String grantedBy, Instant createdAt) {
}
