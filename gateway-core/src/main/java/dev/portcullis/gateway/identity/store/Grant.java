package dev.portcullis.gateway.identity.store;

import java.time.Instant;
import java.util.Set;

/**
 * A role a user holds (directly or through a group), with its validity window; null bounds are
 * open. Whether it applies is decided at request time, so a cached grant list stays correct as
 * windows open and close.
 */
public record Grant(String bindingId, String tenantId, String roleName, Set<String> permissions, Instant validFrom,
    Instant validUntil) {

  public Grant {
    permissions = Set.copyOf(permissions);
  }

  public boolean activeAt(Instant now) {
    return (validFrom == null || !now.isBefore(validFrom)) && (validUntil == null || now.isBefore(validUntil));
  }
}
