package dev.portcullis.gateway.identity.assertion;

import dev.portcullis.gateway.identity.Secrets;

import java.util.Base64;

/**
 * Per-upstream pseudonymous subjects: HMAC-SHA256 of the user id under a key derived for that
 * upstream (audience) from one gateway secret. Stable for one upstream, unlinkable across
 * upstreams without the secret.
 */
public final class Pseudonyms {

  private final byte[] master;

  public Pseudonyms(byte[] master) {
    this.master = master.clone();
  }

  public String of(String audience, String userId) {
    byte[] audienceKey = Secrets.hmacSha256(master, "portcullis-pseudonym|" + audience);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Secrets.hmacSha256(audienceKey, userId));
  }

}
