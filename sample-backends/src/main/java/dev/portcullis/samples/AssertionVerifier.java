package dev.portcullis.samples;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;

import java.text.ParseException;
import java.time.Instant;
import java.util.Date;

/**
 * What an application behind Portcullis does with the identity assertion: verify its ES256
 * signature against the gateway's JWKS (fetched over HTTPS, refetched when an unknown key id
 * appears, at most every 30 s), then check issuer, audience and expiry. Anything else is refused.
 */
final class AssertionVerifier {

  private final HttpClient http;
  private final String jwksUri;
  private final String issuer;
  private final String audience;
  private volatile JWKSet keys = new JWKSet();
  private volatile long lastFetch;

  AssertionVerifier(Vertx vertx, String jwksUri, String gatewayCa, String issuer, String audience) {
    HttpClientOptions options = new HttpClientOptions().setVerifyHost(true);
    if (gatewayCa != null && !gatewayCa.isBlank()) {
      options.setTrustOptions(new PemTrustOptions().addCertPath(gatewayCa));
    }
    this.http = vertx.createHttpClient(options);
    this.jwksUri = jwksUri;
    this.issuer = issuer;
    this.audience = audience;
  }

  /** The verified claims, or a failed future saying why the assertion is refused. */
  Future<JWTClaimsSet> verify(String assertion) {
    if (assertion == null || assertion.isBlank()) {
      return Future.failedFuture("no identity assertion");
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(assertion);
    } catch (ParseException e) {
      return Future.failedFuture("the identity assertion is not a signed JWT");
    }
    if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
      return Future.failedFuture("the identity assertion is not ES256-signed");
    }
    String kid = jwt.getHeader().getKeyID();
    Future<JWK> key = keys.getKeyByKeyId(kid) != null ? Future.succeededFuture(keys.getKeyByKeyId(kid))
        : refresh().map(set -> set.getKeyByKeyId(kid));
    return key.compose(jwk -> {
      if (!(jwk instanceof ECKey ec)) {
        return Future.failedFuture("the identity assertion is signed with an unknown key");
      }
      try {
        if (!jwt.verify(new ECDSAVerifier(ec))) {
          return Future.failedFuture("the identity assertion's signature does not verify");
        }
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        Date exp = claims.getExpirationTime();
        if (!issuer.equals(claims.getIssuer()) || claims.getAudience() == null
            || !claims.getAudience().contains(audience)) {
          return Future.failedFuture("the identity assertion is for someone else");
        }
        if (exp == null || !Instant.now().isBefore(exp.toInstant())) {
          return Future.failedFuture("the identity assertion expired");
        }
        return Future.succeededFuture(claims);
      } catch (JOSEException | ParseException e) {
        return Future.failedFuture("the identity assertion cannot be checked: " + e.getMessage());
      }
    });
  }

  private Future<JWKSet> refresh() {
    long now = System.currentTimeMillis();
    if (now - lastFetch < 30_000 && lastFetch != 0) {
      return Future.succeededFuture(keys);
    }
    lastFetch = now;
    return http.request(new RequestOptions().setAbsoluteURI(jwksUri).setMethod(HttpMethod.GET).setTimeout(5_000))
        .compose(request -> request.send())
        .compose(response -> response.body())
        .map(body -> {
          try {
            keys = JWKSet.parse(body.toString());
          } catch (ParseException e) {
            throw new IllegalStateException("the gateway's JWKS is not valid", e);
          }
          return keys;
        });
  }
}
