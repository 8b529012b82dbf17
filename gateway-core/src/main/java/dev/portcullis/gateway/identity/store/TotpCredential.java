package dev.portcullis.gateway.identity.store;

import java.time.Instant;

/**
 * A user's TOTP authenticator: the sealed secret and the parameters it was enrolled with.
 * Unconfirmed ({@code confirmedAt} null) until the user has entered one valid code.
 */
public record TotpCredential(String userId, String sealedSecret, String algorithm, int digits, int periodSeconds,
    Instant confirmedAt, Instant createdAt) {

  public boolean confirmed() {
    return confirmedAt != null;
  }
}
