package dev.portcullis.gateway.identity.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.portcullis.gateway.identity.Authenticated;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.IdentityResolver;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.identity.store.ApiToken;
import io.vertx.core.Future;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Portcullis API tokens: {@code pcl_} followed by 256 random bits in base64url, so that secret
 * scanners can recognise a leaked one. Only the SHA-256 is stored (a fast hash is right here: the
 * token has 256 bits of entropy, there is nothing to brute-force). The token acts for its owner,
 * with permissions cut down to its scopes; last use is recorded at most once a minute per token.
 */
public final class ApiTokens {

  public static final String PREFIX = "pcl_";
  private static final Pattern SHAPE = Pattern.compile("pcl_[A-Za-z0-9_-]{43}");

  /** A token as created: the plain value is shown once and never stored. */
  public record Created(ApiToken token, String plaintext) {
    @Override
    public String toString() {
      return "Created[" + token + "]";
    }
  }

  private final Iam iam;
  private final IdentityResolver identities;
  private final Clock clock;
  private final Cache<String, Instant> lastTouched = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterWrite(Duration.ofMinutes(1)).build();

  public ApiTokens(Iam iam, IdentityResolver identities, Clock clock) {
    this.iam = iam;
    this.identities = identities;
    this.clock = clock;
  }

  public static boolean looksLikeToken(String value) {
    return value.startsWith(PREFIX);
  }

  /** Creates a token for a user (blocking: call on a worker). */
  public Created create(String userId, String name, Set<String> scopes, Instant expiresAt) {
    String plaintext = PREFIX + Secrets.random256();
    ApiToken token = iam.store().insertToken(userId, name, Secrets.sha256(plaintext), scopes, expiresAt);
    return new Created(token, plaintext);
  }

  /** Revokes a token on every instance (blocking: call on a worker). */
  public void revoke(ApiToken token) {
    iam.store().revokeToken(token.id());
    iam.userChanged(token.userId());
  }

  public Future<Authenticated> authenticate(String presented) {
    if (!SHAPE.matcher(presented).matches()) {
      return Future.failedFuture(new InvalidTokenException("not a well-formed API token"));
    }
    String hash = Secrets.sha256(presented);
    return iam.tokenByHash(hash).compose(found -> {
      Instant now = clock.instant();
      if (found.isEmpty()) {
        return Future.failedFuture(new InvalidTokenException("unknown API token"));
      }
      ApiToken token = found.get();
      if (token.revokedAt() != null) {
        return Future.failedFuture(new InvalidTokenException("the API token was revoked"));
      }
      if (!token.usableAt(now)) {
        return Future.failedFuture(new InvalidTokenException("the API token expired"));
      }
      touch(token, now);
      return identities.resolve(token.userId(), Map.of("api-token", token.createdAt()), token.scopes())
          .compose(identity -> identity == null
              ? Future.failedFuture(new InvalidTokenException("the API token's owner is disabled or gone"))
              : Future.succeededFuture(new Authenticated(identity, "api-token", null, token.userId())));
    });
  }

  private void touch(ApiToken token, Instant now) {
    if (lastTouched.asMap().putIfAbsent(token.id(), now) == null) {
      iam.blocking(() -> {
        iam.store().touchToken(token.id(), now);
        return null;
      });
    }
  }
}
