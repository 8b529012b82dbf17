package dev.portcullis.gateway.identity.assertion;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.plugin.Identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Signs the identity assertion an upstream receives: a short-lived ES256 JWT with subject (or a
 * per-upstream pseudonym), tenant, roles, {@code amr} and {@code auth_time}. An ECDSA signature
 * costs tens of microseconds, so one assertion is reused for the same identity and audience for
 * the first two thirds of its lifetime instead of being signed per request.
 */
public final class AssertionSigner {

  private record Key(Identity identity, String audience, boolean pseudonymous) {
  }

  private record Signed(String jwt, Instant refreshAt) {
  }

  private final SigningKeys keys;
  private final Pseudonyms pseudonyms;
  private final String issuer;
  private final Duration lifetime;
  private final Clock clock;
  private final Cache<Key, Signed> cache;

  public AssertionSigner(SigningKeys keys, Pseudonyms pseudonyms, String issuer, Duration lifetime, Clock clock) {
    this.keys = keys;
    this.pseudonyms = pseudonyms;
    this.issuer = issuer;
    this.lifetime = lifetime;
    this.clock = clock;
    this.cache = Caffeine.newBuilder().maximumSize(50_000).expireAfterWrite(lifetime.multipliedBy(2).dividedBy(3))
        .build();
  }

  public String assertion(Identity identity, GatewayConfig.AssertionSpec spec) {
    Key key = new Key(identity, spec.audience(), spec.pseudonymous());
    Instant now = clock.instant();
    Signed known = cache.getIfPresent(key);
    if (known != null && now.isBefore(known.refreshAt())) {
      return known.jwt();
    }
    Signed fresh = new Signed(sign(identity, spec, now), now.plus(lifetime.multipliedBy(2).dividedBy(3)));
    cache.put(key, fresh);
    return fresh.jwt();
  }

  private String sign(Identity identity, GatewayConfig.AssertionSpec spec, Instant now) {
    Instant authTime = identity.authMethods().values().stream().min(Instant::compareTo).orElse(now);
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .audience(spec.audience())
        .subject(spec.pseudonymous() ? pseudonyms.of(spec.audience(), identity.subject()) : identity.subject())
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now.minusSeconds(5)))
        .expirationTime(Date.from(now.plus(lifetime)))
        .claim("tenant", identity.tenant())
        .claim("roles", List.copyOf(identity.roles()))
        .claim("permissions", List.copyOf(identity.permissions()))
        .claim("amr", List.copyOf(identity.authMethods().keySet()))
        .claim("auth_time", authTime.getEpochSecond());
    ECKey key = keys.current();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
        .type(new JOSEObjectType("portcullis-assertion+jwt")).build(), claims.build());
    try {
      jwt.sign(new ECDSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign an identity assertion", e);
    }
    return jwt.serialize();
  }

  /** For the JWKS endpoint. */
  public Map<String, Object> jwks() {
    return keys.publicJwks().toJSONObject(true);
  }
}
