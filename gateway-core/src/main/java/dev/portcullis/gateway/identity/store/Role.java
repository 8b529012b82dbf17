package dev.portcullis.gateway.identity.store;

import java.util.Set;

public record Role(String id, String tenantId, String name, String description, Set<String> permissions) {
  public Role {
    permissions = Set.copyOf(permissions);
  }
}
