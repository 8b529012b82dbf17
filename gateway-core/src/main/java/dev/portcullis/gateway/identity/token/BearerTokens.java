package dev.portcullis.gateway.identity.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.Authenticated;
import dev.portcullis.gateway.identity.Iam;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.plugin.Identity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bearer JWTs from the configured issuers. The issuer is picked by the token's {@code iss} and then
 * everything is verified (JwtValidator). A verified token is remembered by its SHA-256 until its
 * expiry, so repeated requests do not pay for the signature check again; the identity itself
 * (permissions of the named roles) is rebuilt per request from cached role definitions.
 * Subjects are namespaced by issuer id ({@code keycloak|1234}) so two issuers never share one.
 */
public final class BearerTokens {

  /**
   * A verified token and what its claims say, read once (claims are walked as a fresh JSON map
   * each time, which was the bearer path's main cost). {@code last} keeps the identity built for the
   * tenant's current role definitions, reused for as long as the IAM cache hands out the same map.
   */
  private static final class Verified {
    final Instant expiresAt;
    final String problem;
    final String subjectId;
    final String tenant;
    final Set<String> roles;
    final Map<String, Instant> amr;
    volatile Built last;

    Verified(JWTClaimsSet claims, Instant expiresAt, IdentityConfig.Issuer issuer) {
      this.expiresAt = expiresAt;
      IdentityConfig.ClaimMapping map = issuer.claims();
      Object subject = claim(claims, map.subject());
      this.problem = subject instanceof String sub && !sub.isBlank() ? null
          : "has no subject claim '" + map.subject() + "'";
      this.subjectId = problem == null ? issuer.id() + "|" + subject : null;
      Object tenantClaim = map.tenant() == null ? null : claim(claims, map.tenant());
      this.tenant = tenantClaim instanceof String t ? t : map.defaultTenant();
      this.roles = Set.copyOf(strings(map.roles() == null ? null : claim(claims, map.roles())));
      Map<String, Instant> methods = new LinkedHashMap<>();
      Instant authTime = authTime(claims);
      for (String method : strings(claims.getClaim("amr"))) {
        methods.put(method, authTime);
      }
      this.amr = Map.copyOf(methods);
    }

    Instant expiresAt() {
      return expiresAt;
    }
  }

  /** An identity and the role definitions it was built from. */
  private record Built(Map<String, Set<String>> definitions, Authenticated authenticated) {
  }

  private final Map<String, IdentityConfig.Issuer> byIssuer = new LinkedHashMap<>();
  private final Map<String, JwtValidator> validators = new LinkedHashMap<>();
  private final List<HttpFetch> clients = new java.util.ArrayList<>();
  private final Iam iam;
  private final Clock clock;
  private final Cache<String, Verified> verified;

  public BearerTokens(Vertx vertx, List<IdentityConfig.Issuer> issuers, Iam iam, Clock clock) {
    this.iam = iam;
    this.clock = clock;
    for (IdentityConfig.Issuer issuer : issuers) {
      HttpFetch http = new HttpFetch(vertx, issuer.caFile(), Duration.ofSeconds(5));
      clients.add(http);
      KeySource keys = new KeySource(issuer.id(), issuer.issuer(), issuer.jwksUri(), http,
          issuer.jwksRefreshInterval(), issuer.jwksMaxAge(), clock);
      byIssuer.put(issuer.issuer(), issuer);
      validators.put(issuer.issuer(), new JwtValidator(issuer.issuer(), issuer.audiences(), issuer.algorithms(),
          issuer.clockSkew(), keys, clock));
    }
    this.verified = Caffeine.newBuilder().maximumSize(100_000).expireAfter(new Expiry<String, Verified>() {
      @Override
      public long expireAfterCreate(String key, Verified value, long currentTime) {
        return Math.max(0, Duration.between(clock.instant(), value.expiresAt()).toNanos());
      }

      @Override
      public long expireAfterUpdate(String key, Verified value, long currentTime, long currentDuration) {
        return currentDuration;
      }

      @Override
      public long expireAfterRead(String key, Verified value, long currentTime, long currentDuration) {
        return currentDuration;
      }
    }).build();
  }

  public boolean enabled() {
    return !validators.isEmpty();
  }

  public Future<Authenticated> authenticate(String token) {
    String key = Secrets.sha256(token);
    Verified known = verified.getIfPresent(key);
    if (known != null && clock.instant().isBefore(known.expiresAt)) {
      return identity(known);
    }
    String iss;
    try {
      iss = JWTParser.parse(token).getJWTClaimsSet().getIssuer();
    } catch (java.text.ParseException | RuntimeException e) {
      return Future.failedFuture(new InvalidTokenException("not a JWT"));
    }
    JwtValidator validator = iss == null ? null : validators.get(iss);
    if (validator == null) {
      return Future.failedFuture(new InvalidTokenException("not issued by a trusted issuer"));
    }
    IdentityConfig.Issuer issuer = byIssuer.get(iss);
    return validator.validate(token).compose(claims -> {
      // An ID token is for the client that asked for it, not a key to APIs (OIDC Core §2, RFC 9068).
      if (claims.getClaim("nonce") != null || "ID".equals(claims.getClaim("typ"))) {
        return Future.failedFuture(new InvalidTokenException("an ID token is not an access token"));
      }
      Verified fresh = new Verified(claims, claims.getExpirationTime().toInstant().plus(issuer.clockSkew()), issuer);
      verified.put(key, fresh);
      return identity(fresh);
    });
  }

  private Future<Authenticated> identity(Verified token) {
    if (token.problem != null) {
      return Future.failedFuture(new InvalidTokenException(token.problem));
    }
    if (token.tenant == null) {
      return Future.succeededFuture(new Authenticated(new Identity(token.subjectId, null, token.roles, Set.of(),
          token.amr), "bearer", null, null));
    }
    return iam.rolePermissions(token.tenant).map(definitions -> {
      Built last = token.last;
      if (last != null && last.definitions() == definitions) {
        return last.authenticated(); // the tenant's roles have not changed since: the same identity
      }
      Set<String> permissions = new LinkedHashSet<>();
      for (String role : token.roles) {
        // a route's approval role comes only from a timed binding after four-eyes approval, and the
        // built-in admin roles only from bindings made through the admin API: never from a claim
        if (!role.startsWith(dev.portcullis.gateway.identity.access.AccessRequest.ROUTE_ROLE_PREFIX)
            && !dev.portcullis.gateway.identity.Reserved.ADMIN_ROLES.contains(role)) {
          permissions.addAll(definitions.getOrDefault(role, Set.of()));
        }
      }
      Authenticated built = new Authenticated(new Identity(token.subjectId, token.tenant, token.roles, permissions,
          token.amr), "bearer", null, null);
      token.last = new Built(definitions, built);
      return built;
    });
  }

  private static Instant authTime(JWTClaimsSet claims) {
    Object value = claims.getClaim("auth_time");
    if (value instanceof Number n) {
      return Instant.ofEpochSecond(n.longValue());
    }
    if (value instanceof java.util.Date d) {
      return d.toInstant();
    }
    return claims.getIssueTime() == null ? Instant.EPOCH : claims.getIssueTime().toInstant();
  }

  /** A claim by dotted path ({@code realm_access.roles}). */
  static Object claim(JWTClaimsSet claims, String path) {
    Object current = claims.toJSONObject();
    for (String part : path.split("\\.")) {
      if (!(current instanceof Map<?, ?> m)) {
        return null;
      }
      current = m.get(part);
    }
    return current;
  }

  private static Set<String> strings(Object value) {
    Set<String> out = new LinkedHashSet<>();
    if (value instanceof String s) {
      for (String part : s.split(" ")) {
        if (!part.isBlank()) {
          out.add(part);
        }
      }
    } else if (value instanceof Collection<?> c) {
      for (Object o : c) {
        if (o instanceof String s) {
          out.add(s);
        }
      }
    }
    return out;
  }

  public Future<Void> close() {
    return Future.all(clients.stream().map(HttpFetch::close).toList()).mapEmpty();
  }
}
