package dev.portcullis.gateway.identity.assertion;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
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
    byte[] audienceKey = hmac(master, "portcullis-pseudonym|" + audience);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(hmac(audienceKey, userId));
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
