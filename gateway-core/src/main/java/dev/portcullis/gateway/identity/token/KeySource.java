package dev.portcullis.gateway.identity.token;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * One issuer's signing keys, fetched from its JWKS (found directly or through OIDC discovery) and
 * kept in memory. An unknown {@code kid} triggers a refetch, at most once per refresh interval, so
 * a flood of tokens with invented key ids cannot turn the gateway into a JWKS hammer. Keys older
 * than {@code maxAge} are re-read in the background on the next use, so a key the issuer withdrew
 * stops being trusted. If the keys could never be fetched, callers get an IllegalStateException
 * (the gateway answers 503, not "invalid token").
 */
public final class KeySource {

  private static final Logger LOG = LoggerFactory.getLogger(KeySource.class);

  private final String issuerId;
  private final String issuer;
  private final HttpFetch http;
  private final Duration refreshInterval;
  private final Duration maxAge;
  private final Clock clock;
  private volatile boolean loaded;
  private volatile long loadedAt;
  private volatile JWKSet keys = new JWKSet();
  private volatile URI jwksUri;
  private volatile long lastFetch = Long.MIN_VALUE / 2;
  private Future<JWKSet> inFlight;
  private volatile JsonObject discovery;

  public KeySource(String issuerId, String issuer, URI jwksUri, HttpFetch http, Duration refreshInterval,
      Duration maxAge, Clock clock) {
    this.maxAge = maxAge;
    this.issuerId = issuerId;
    this.issuer = issuer;
    this.jwksUri = jwksUri;
    this.http = http;
    this.refreshInterval = refreshInterval;
    this.clock = clock;
  }

  /** The keys with this id (or all keys when the token names none); refetches once if unknown. */
  public Future<List<JWK>> keys(String kid) {
    if (loaded && clock.millis() - loadedAt >= maxAge.toMillis()
        && clock.millis() - lastFetch >= refreshInterval.toMillis()) {
      refresh(); // in the background: this request still uses the keys we have
    }
    List<JWK> known = select(keys, kid);
    if (!known.isEmpty()) {
      return Future.succeededFuture(known);
    }
    if (clock.millis() - lastFetch < refreshInterval.toMillis()) {
      return loaded ? Future.succeededFuture(List.of()) : unavailable();
    }
    return refresh().compose(set -> loaded ? Future.succeededFuture(select(set, kid)) : unavailable());
  }

  private Future<List<JWK>> unavailable() {
    return Future.failedFuture(new IllegalStateException("the signing keys of issuer '" + issuerId
        + "' could not be fetched"));
  }

  /** The provider's discovery document (OIDC login needs its endpoints); fetched once. */
  public Future<JsonObject> discovery() {
    JsonObject known = discovery;
    if (known != null) {
      return Future.succeededFuture(known);
    }
    URI uri = URI.create(issuer.endsWith("/") ? issuer + ".well-known/openid-configuration"
        : issuer + "/.well-known/openid-configuration");
    return http.get(uri).map(body -> {
      JsonObject doc = body.toJsonObject();
      // RFC 8414 §3.3 / OIDC Discovery §4.3: the document must name the very issuer we asked.
      if (!issuer.equals(doc.getString("issuer"))) {
        throw new IllegalStateException("discovery document of '" + issuerId + "' names issuer '"
            + doc.getString("issuer") + "', expected '" + issuer + "'");
      }
      discovery = doc;
      return doc;
    });
  }

  private synchronized Future<JWKSet> refresh() {
    if (inFlight != null) {
      return inFlight;
    }
    lastFetch = clock.millis();
    Future<URI> where = jwksUri != null ? Future.succeededFuture(jwksUri)
        : discovery().map(doc -> {
          String uri = doc.getString("jwks_uri");
          if (uri == null) {
            throw new IllegalStateException("discovery document of '" + issuerId + "' has no jwks_uri");
          }
          jwksUri = URI.create(uri);
          return jwksUri;
        });
    Future<JWKSet> fetched = where.compose(http::get).map(body -> {
      try {
        JWKSet set = JWKSet.parse(body.toString());
        keys = set;
        loadedAt = clock.millis();
        loaded = true;
        return set;
      } catch (java.text.ParseException e) {
        throw new IllegalStateException("JWKS of '" + issuerId + "' is not a valid JWK set: " + e.getMessage());
      }
    }).recover(err -> {
      LOG.warn("Cannot fetch the signing keys of issuer '{}': {}", issuerId, err.getMessage());
      return Future.succeededFuture(keys);
    });
    inFlight = fetched;
    fetched.onComplete(ar -> {
      synchronized (this) {
        inFlight = null;
      }
    });
    return fetched;
  }

  private static List<JWK> select(JWKSet set, String kid) {
    if (kid == null) {
      return set.getKeys();
    }
    JWK key = set.getKeyByKeyId(kid);
    return key == null ? List.of() : List.of(key);
  }

  public String issuerId() {
    return issuerId;
  }
}
