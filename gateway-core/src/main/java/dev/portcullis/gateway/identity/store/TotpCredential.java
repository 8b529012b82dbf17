package dev.portcullis.gateway.identity.store;

import java.time.Instant;

/**
 * A user's TOTP authenticator: the sealed secret and the parameters it was enrolled with.
 * Unconfirmed ({@code confirmedAt} null) until the user has entered one valid code; until then it
 * belongs to the sign-in that started it ({@code startedBy}, a hash of its session id): no other
 * sign-in of the same user can read or confirm it.
 */
public record TotpCredential(String userId, String sealedSecret, String algorithm, int digits, int periodSeconds,
    String startedBy, Instant confirmedAt, Instant createdAt) {

  public boolean confirmed() {
    return confirmedAt != null;
  }
}
