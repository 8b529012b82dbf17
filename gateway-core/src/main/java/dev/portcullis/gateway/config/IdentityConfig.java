package dev.portcullis.gateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The {@code identity:} section: where users live, how people log in, how long sessions last,
 * which token issuers are trusted and how the gateway asserts identity to upstreams. Absent
 * section: every request is anonymous and no login portal is served.
 */
public record IdentityConfig(
    Store store,
    Passwords passwords,
    Login login,
    Sessions sessions,
    List<Issuer> issuers,
    List<OidcProvider> oidc,
    Assertion assertion,
    Mfa mfa,
    Access access,
    Source source,
    Keycloak keycloak,
    Lifecycle lifecycle) {

  /**
   * Accounts nobody used for {@code disableUnusedAfter} (no sign-in, no API token use, not
   * re-enabled) are disabled automatically, checked every {@code checkInterval}; null: never.
   */
  public record Lifecycle(java.time.Duration disableUnusedAfter, java.time.Duration checkInterval) {
  }

  /** JDBC URL of the IAM store; the default is an H2 file in the data directory. */
  public record Store(String jdbcUrl, String username, String password, int maxPoolSize, boolean seedDemo,
      Duration cacheTtl) {
  }

  /** Argon2id parameters (memory in KiB) and the rules a new password must meet. */
  public record Passwords(int memoryKib, int iterations, int parallelism, int minLength) {
  }

  /**
   * Brute-force protection: after {@code freeAttempts} failures within {@code window}, each further
   * failure locks for {@code backoffBase · 2^(n - freeAttempts)}, at most {@code maxLockout}.
   */
  public record Login(int freeAttempts, Duration backoffBase, Duration maxLockout, Duration window) {
  }

  public record Sessions(Duration idleTimeout, Duration absoluteTimeout) {
  }

  /**
   * A trusted issuer of bearer JWTs. Exactly one of {@code jwksUri} and discovery (the issuer's
   * {@code /.well-known/openid-configuration}) says where its keys are.
   */
  public record Issuer(
      String id,
      String issuer,
      URI jwksUri,
      boolean discovery,
      Set<String> audiences,
      Set<String> algorithms,
      Duration clockSkew,
      Duration jwksRefreshInterval,
      Duration jwksMaxAge,
      Path caFile,
      ClaimMapping claims) {
  }

  /** Dotted claim paths (e.g. {@code realm_access.roles}) that give an identity's parts. */
  public record ClaimMapping(String subject, String tenant, String roles, String defaultTenant) {
  }

  /** An external OpenID Connect provider the login portal offers ("Sign in with …"). */
  public record OidcProvider(
      String id,
      String displayName,
      String issuer,
      String clientId,
      String clientSecret,
      List<String> scopes,
      Set<String> algorithms,
      Path caFile,
      String usernameClaim,
      String tenant,
      boolean provisionUsers) {
  }

  /** The signed identity assertion (ES256 JWT) that upstreams receive. */
  public record Assertion(String issuer, Duration lifetime, Duration keyRotation) {
  }

  /**
   * The TOTP second factor (RFC 6238): parameters for new enrolments, the AES-256 key that seals
   * the stored secrets (null: a key file generated in the data directory), and which roles must
   * enrol.
   *
   * @param secretKeyFile where the generated key lives when {@code secretKey} is null
   */
  public record Mfa(String issuer, String algorithm, int digits, Duration period, int recoveryCodes,
      byte[] secretKey, Path secretKeyFile, List<Enforcement> enforce) {

    // by the key's bytes, not its array: a reload of an unchanged file must compare equal
    @Override
    public boolean equals(Object o) {
      return o instanceof Mfa other && issuer.equals(other.issuer) && algorithm.equals(other.algorithm)
          && digits == other.digits && period.equals(other.period) && recoveryCodes == other.recoveryCodes
          && java.util.Arrays.equals(secretKey, other.secretKey) && secretKeyFile.equals(other.secretKeyFile)
          && enforce.equals(other.enforce);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(issuer, algorithm, digits, period, recoveryCodes,
          java.util.Arrays.hashCode(secretKey), secretKeyFile, enforce);
    }

    @Override
    public String toString() {
      return "Mfa[issuer=" + issuer + ", " + algorithm + "/" + digits + "/" + period + ", key "
          + (secretKey == null ? "in " + secretKeyFile : "configured") + ", enforce=" + enforce + "]";
    }
  }

  /**
   * Holders of any of {@code roles} must enrol a second factor; until {@code grace} has passed
   * since their first sign-in under this rule they may postpone it.
   */
  public record Enforcement(Set<String> roles, Duration grace) {
  }

  /**
   * Four-eyes access requests and just-in-time elevation: how many distinct approvers a request
   * needs, how long it may wait for them, the longest access it may ask for, and which roles may
   * be activated by their holders of {@code elevate:<role>} for how long at most.
   */
  public record Access(int approvals, Duration requestTtl, Duration maxDuration,
      java.util.Map<String, Duration> elevation) {
    public Access {
      elevation = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(elevation));
    }
  }

  /**
   * Where users, groups, roles and their Keycloak role mappings come from: the local IAM store
   * alone, or a Keycloak realm mirrored into it ({@code keycloak} is then set, else null).
   */
  public enum Source { LOCAL, KEYCLOAK }

  /**
   * {@code identity.keycloak}: the realm mirrored into {@code tenant} every {@code refreshInterval},
   * read and written through the admin REST API with a confidential client's credentials (its
   * service account needs realm-management roles). {@code url} is the server's base URL, without
   * {@code /realms/…}; {@code caFile} (PEM) trusts a private CA.
   */
  public record Keycloak(URI url, String realm, String tenant, String clientId, String clientSecret, Path caFile,
      Duration refreshInterval, Duration timeout) {

    /** Never print the secret. */
    @Override
    public String toString() {
      return "Keycloak[url=" + url + ", realm=" + realm + ", tenant=" + tenant + ", clientId=" + clientId
          + ", caFile=" + caFile + ", refreshInterval=" + refreshInterval + ", timeout=" + timeout + "]";
    }
  }
}
