package dev.portcullis.gateway.identity.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Checks a signed JWT the strict way: the algorithm must be on the issuer's allowlist (never
 * {@code none}, never HMAC), the header may not point at keys of its own choosing ({@code jku},
 * {@code x5u}, {@code jwk}, {@code x5c}) nor carry critical extensions, the key comes only from the
 * issuer's JWKS and its type must fit the algorithm (so an RSA public key can never be used as an
 * HMAC secret), and iss, aud, exp, nbf and iat are checked with the configured skew.
 */
public final class JwtValidator {

  private final String issuer;
  private final Set<String> audiences;
  private final Set<String> algorithms;
  private final Duration skew;
  private final KeySource keys;
  private final Clock clock;

  public JwtValidator(String issuer, Set<String> audiences, Set<String> algorithms, Duration skew, KeySource keys,
      Clock clock) {
    this.issuer = issuer;
    this.audiences = audiences;
    this.algorithms = algorithms;
    this.skew = skew;
    this.keys = keys;
    this.clock = clock;
  }

  /** The token's verified claims, or a failed future with an InvalidTokenException saying why. */
  public Future<JWTClaimsSet> validate(String token) {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException | RuntimeException e) {
      return Future.failedFuture(new InvalidTokenException("not a signed JWT"));
    }
    JWSHeader header = jwt.getHeader();
    JWSAlgorithm alg = header.getAlgorithm();
    if (alg == null || !algorithms.contains(alg.getName())) {
      return Future.failedFuture(new InvalidTokenException("algorithm '" + (alg == null ? "none" : alg.getName())
          + "' is not accepted from this issuer"));
    }
    if (header.getJWKURL() != null || header.getX509CertURL() != null || header.getJWK() != null
        || header.getX509CertChain() != null) {
      return Future.failedFuture(new InvalidTokenException("tokens may not name their own keys (jku, x5u, jwk, x5c)"));
    }
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      return Future.failedFuture(new InvalidTokenException("critical header parameters are not supported"));
    }
    return keys.keys(header.getKeyID()).compose(candidates -> {
      for (JWK key : candidates) {
        JWSVerifier verifier = verifier(key, alg);
        if (verifier == null) {
          continue;
        }
        try {
          if (jwt.verify(verifier)) {
            return Future.succeededFuture(checkClaims(jwt));
          }
        } catch (JOSEException e) {
          // this key cannot check this signature; try the next
        } catch (InvalidTokenException e) {
          return Future.failedFuture(e);
        }
      }
      return Future.failedFuture(new InvalidTokenException(candidates.isEmpty()
          ? "signed with a key the issuer does not publish" : "signature does not verify"));
    });
  }

  private static JWSVerifier verifier(JWK key, JWSAlgorithm alg) {
    if (key.getKeyUse() != null && !"sig".equals(key.getKeyUse().getValue())) {
      return null;
    }
    if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
      return null;
    }
    try {
      if (key instanceof RSAKey rsa && (JWSAlgorithm.Family.RSA.contains(alg))) {
        return new RSASSAVerifier(rsa);
      }
      if (key instanceof ECKey ec && JWSAlgorithm.Family.EC.contains(alg)
          && ECDSAVerifier.SUPPORTED_ALGORITHMS.contains(alg) && ec.getCurve() != null
          && com.nimbusds.jose.jwk.Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
        return new ECDSAVerifier(ec);
      }
    } catch (JOSEException e) {
      return null;
    }
    return null; // e.g. a symmetric key: never a verifier for an issuer's token
  }

  private JWTClaimsSet checkClaims(SignedJWT jwt) {
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new InvalidTokenException("the claims are not a JSON object");
    }
    Instant now = clock.instant();
    if (!issuer.equals(claims.getIssuer())) {
      throw new InvalidTokenException("issued by '" + claims.getIssuer() + "', not by the expected issuer");
    }
    List<String> aud = claims.getAudience();
    if (aud == null || aud.stream().noneMatch(audiences::contains)) {
      throw new InvalidTokenException("not meant for this gateway (audience " + aud + ")");
    }
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new InvalidTokenException("has no expiry (exp)");
    }
    if (!now.isBefore(exp.toInstant().plus(skew))) {
      throw new InvalidTokenException("expired at " + exp.toInstant());
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(skew).isBefore(nbf.toInstant())) {
      throw new InvalidTokenException("not valid before " + nbf.toInstant());
    }
    Date iat = claims.getIssueTime();
    if (iat != null && now.plus(skew).isBefore(iat.toInstant())) {
      throw new InvalidTokenException("issued in the future (" + iat.toInstant() + ")");
    }
    return claims;
  }
}
