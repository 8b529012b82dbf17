package dev.portcullis.gateway.identity.store;

import java.time.Instant;
import java.util.Set;

/** An API token as stored: only the SHA-256 of the token is kept. */
public record ApiToken(String id, String userId, String name, String tokenHash, Set<String> scopes,
    Instant expiresAt, Instant lastUsedAt, Instant revokedAt, Instant createdAt) {

  public ApiToken {
    scopes = Set.copyOf(scopes);
  }

  public boolean usableAt(Instant now) {
    return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
  }
}
