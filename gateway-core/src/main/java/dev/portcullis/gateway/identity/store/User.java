package dev.portcullis.gateway.identity.store;

import java.time.Instant;

/** A person who can log in. {@code passwordHash} is an Argon2id PHC string, or null (SSO only). */
public record User(String id, String tenantId, String username, String email, String displayName,
    Status status, String passwordHash, Instant createdAt, Instant updatedAt) {

  public enum Status { ACTIVE, DISABLED }

  public boolean active() {
    return status == Status.ACTIVE;
  }

  /** Never print the hash, even in a debug line. */
  @Override
  public String toString() {
    return "User[id=" + id + ", tenant=" + tenantId + ", username=" + username + ", status=" + status + "]";
  }
}
