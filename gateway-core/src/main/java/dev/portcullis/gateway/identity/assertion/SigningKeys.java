package dev.portcullis.gateway.identity.assertion;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.store.SigningKey;
import com.nimbusds.jose.JWSAlgorithm;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The ES256 keys that sign identity assertions, shared by all instances through the IAM store.
 * Rotation without downtime: a new key is published in the JWKS as soon as it exists, but signs
 * only once it has been published for {@code publishDelay} (upstreams that cache the JWKS have
 * seen it by then); the previous key stays published while assertions it signed can still be
 * live. At most four keys are kept: the one signing, the one waiting to sign, the one before, and
 * room for a second new key when two instances rotate in the same minute. Blocking methods: call
 * from a worker.
 */
public final class SigningKeys {

  private static final int KEEP = 4;

  private final JdbcIamStore store;
  private final Duration rotation;
  private final Duration publishDelay;
  private final Clock clock;
  private volatile List<ECKey> keys = List.of();

  public SigningKeys(JdbcIamStore store, Duration rotation, Duration publishDelay, Clock clock) {
    this.store = store;
    this.rotation = rotation;
    this.publishDelay = publishDelay;
    this.clock = clock;
  }

  /** Reads the shared keys, creates a new one when the newest is due, and forgets the oldest. */
  public void refresh() {
    List<SigningKey> stored = new ArrayList<>(store.signingKeys());
    Instant now = clock.instant();
    SigningKey newest = stored.stream().max(Comparator.comparing(SigningKey::createdAt)).orElse(null);
    if (newest == null || !now.isBefore(newest.createdAt().plus(rotation))) {
      stored.add(create(now));
    }
    stored.sort(Comparator.comparing(SigningKey::createdAt).reversed());
    while (stored.size() > KEEP) {
      store.deleteSigningKey(stored.remove(stored.size() - 1).kid());
    }
    List<ECKey> parsed = new ArrayList<>();
    for (SigningKey key : stored) {
      try {
        parsed.add(ECKey.parse(key.privateJwk()));
      } catch (ParseException e) {
        throw new IllegalStateException("signing key " + key.kid() + " in the IAM store is not a valid EC JWK", e);
      }
    }
    keys = List.copyOf(parsed); // newest first
  }

  private SigningKey create(Instant now) {
    try {
      ECKey key = new ECKeyGenerator(Curve.P_256).keyUse(KeyUse.SIGNATURE).algorithm(JWSAlgorithm.ES256)
          .keyIDFromThumbprint(true).issueTime(java.util.Date.from(now)).generate();
      SigningKey stored = new SigningKey(key.getKeyID(), key.toJSONString(), now);
      store.addSigningKey(stored);
      return stored;
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate an ES256 key", e);
    }
  }

  /** The key to sign with now: the newest one that has been published long enough. */
  public ECKey current() {
    List<ECKey> all = keys;
    if (all.isEmpty()) {
      throw new IllegalStateException("no signing key loaded");
    }
    Instant cutoff = clock.instant().minus(publishDelay);
    for (ECKey key : all) {
      if (key.getIssueTime() == null || !key.getIssueTime().toInstant().isAfter(cutoff)) {
        return key;
      }
    }
    return all.get(all.size() - 1); // only fresh keys (first start): use the oldest of them
  }

  /** The public half of every kept key, as served at {@code /.well-known/jwks.json}. */
  public JWKSet publicJwks() {
    return new JWKSet(keys.stream().map(k -> (com.nimbusds.jose.jwk.JWK) k.toPublicJWK()).toList());
  }
}
