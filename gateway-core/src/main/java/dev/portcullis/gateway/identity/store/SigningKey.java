package dev.portcullis.gateway.identity.store;

import java.time.Instant;

/** One assertion signing key: its id and its private JWK (JSON), as stored. */
public record SigningKey(String kid, String privateJwk, Instant createdAt) {

  @Override
  public String toString() {
    return "SigningKey[kid=" + kid + ", createdAt=" + createdAt + "]";
  }
}
