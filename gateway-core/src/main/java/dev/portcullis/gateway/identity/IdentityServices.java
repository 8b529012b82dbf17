package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.identity.access.AccessRequestStore;
import dev.portcullis.gateway.identity.access.AccessRequests;
import dev.portcullis.gateway.identity.lifecycle.UnusedAccounts;
import dev.portcullis.gateway.identity.mfa.OtpReplayGuard;
import dev.portcullis.gateway.identity.mfa.SecondFactor;
import dev.portcullis.gateway.identity.mfa.TotpSecretBox;

import com.hazelcast.core.HazelcastInstance;
import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.cluster.ClusterNode;
import dev.portcullis.gateway.config.GatewayConfig;
import dev.portcullis.gateway.config.IdentityConfig;
import dev.portcullis.gateway.identity.assertion.AssertionSigner;
import dev.portcullis.gateway.identity.assertion.Pseudonyms;
import dev.portcullis.gateway.identity.assertion.SigningKeys;
import dev.portcullis.gateway.identity.keycloak.KeycloakSource;
import dev.portcullis.gateway.identity.keycloak.KeycloakSync;
import dev.portcullis.gateway.identity.login.LoginThrottle;
import dev.portcullis.gateway.identity.portal.LoginPortal;
import dev.portcullis.gateway.identity.portal.OidcLogin;
import dev.portcullis.gateway.identity.session.SessionStore;
import dev.portcullis.gateway.identity.store.Database;
import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.identity.store.User;
import dev.portcullis.gateway.identity.store.JdbcIamStore;
import dev.portcullis.gateway.identity.token.ApiTokens;
import dev.portcullis.gateway.identity.token.BearerTokens;
import dev.portcullis.gateway.net.HostPattern;
import dev.portcullis.gateway.observe.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * Everything that knows who people are, wired once per gateway process: the IAM store, the cluster
 * member, sessions, login throttling, token checks, the login portal and the assertion signer.
 * Its configuration applies at start; a reload that changes {@code identity:} or {@code cluster:}
 * takes effect on restart (as with listeners).
 */
public final class IdentityServices {

  private static final Logger LOG = LoggerFactory.getLogger(IdentityServices.class);

  private final Vertx vertx;
  private final Database database;
  private final HazelcastInstance hazelcast;
  private final Iam iam;
  private final SessionStore sessions;
  private final IdentityResolver resolver;
  private final BearerTokens bearer;
  private final ApiTokens apiTokens;
  private final SigningKeys signingKeys;
  private final AssertionSigner assertions;
  private final OidcLogin oidc;
  private final LoginPortal portal;
  private final LoginThrottle throttle;
  private final PasswordHasher hasher;
  private final PasswordRules rules;
  private final java.util.concurrent.atomic.AtomicReference<List<HostPattern>> hosts =
      new java.util.concurrent.atomic.AtomicReference<>(List.of());
  private final long keyTimer;
  private final AuditLog audit;
  private final SecondFactor secondFactor;
  /** Sign-ins that proved their first factor and owe the second. */
  private final SessionStore pending;
  private final io.vertx.core.WorkerExecutor mfaWorkers;
  private final AccessRequests accessRequests;
  private final UnusedAccounts lifecycle;
  /** The ids of the configured routes: an access request may name only those. */
  private final java.util.concurrent.atomic.AtomicReference<java.util.Set<String>> routeIds =
      new java.util.concurrent.atomic.AtomicReference<>(java.util.Set.of());
  /** {@code identity.source: keycloak}: the realm's mirror and write-through; null for the local store. */
  private final KeycloakSource keycloak;

  private record Opened(Database database, HazelcastInstance hazelcast, JdbcIamStore store, PasswordHasher hasher,
      SigningKeys keys, byte[] pseudonymKey, byte[] sessionKey, TotpSecretBox totpBox) {
  }

  private IdentityServices(Vertx vertx, GatewayConfig config, Opened opened, Clock clock, GatewayMetrics metrics,
      AuditLog audit) {
    this.audit = audit;
    IdentityConfig identity = config.identity();
    this.vertx = vertx;
    this.database = opened.database();
    this.hazelcast = opened.hazelcast();
    this.hasher = opened.hasher();
    this.rules = new PasswordRules(identity.passwords().minLength());
    this.signingKeys = opened.keys();
    this.iam = new Iam(vertx, opened.store(), hazelcast, identity.store().maxPoolSize(), identity.store().cacheTtl());
    this.sessions = new SessionStore(vertx, hazelcast, identity.sessions(), clock,
        opened.sessionKey());
    this.throttle = new LoginThrottle(vertx, hazelcast, identity.login(), clock);
    this.resolver = new IdentityResolver(iam, clock);
    this.bearer = new BearerTokens(vertx, identity.issuers(), iam, clock);
    this.apiTokens = new ApiTokens(iam, resolver, clock);
    this.assertions = new AssertionSigner(signingKeys, new Pseudonyms(opened.pseudonymKey()),
        identity.assertion().issuer(), identity.assertion().lifetime(), clock);
    this.oidc = identity.oidc().isEmpty() ? null : new OidcLogin(vertx, identity.oidc(), hazelcast, iam, clock);
    this.mfaWorkers = vertx.createSharedWorkerExecutor("portcullis-mfa", 4);
    this.secondFactor = new SecondFactor(iam, opened.totpBox(), hasher, new OtpReplayGuard(hazelcast, mfaWorkers),
        throttle, resolver, audit, identity.mfa(), clock);
    this.pending = new SessionStore(vertx, hazelcast, ClusterNode.PENDING_LOGINS,
        LoginPortal.PENDING_SIGN_IN, LoginPortal.PENDING_SIGN_IN, clock, opened.sessionKey());
    this.accessRequests = new AccessRequests(iam, new AccessRequestStore(database.dataSource()), audit,
        identity.access(), routeIds::get, clock);
    this.lifecycle = new UnusedAccounts(vertx, iam, hazelcast, audit, this::revokeSignIns, identity.lifecycle(),
        clock);
    this.portal = new LoginPortal(iam, hasher, sessions, throttle, oidc, hosts::get, assertions::jwks,
        metrics::signIn, audit, secondFactor, pending, clock, accessRequests, lifecycle);
    lifecycle.start();
    updateHosts(config);
    this.keycloak = identity.source() != IdentityConfig.Source.KEYCLOAK ? null : KeycloakSource.create(vertx,
        identity, iam, database.dataSource(), hazelcast, audit,
        userId -> revokeSignIns(userId, KeycloakSync.REVOKE_REASON), metrics == null ? null : metrics.registry(),
        clock);
    // Other instances may rotate the shared keys: re-read them now and then.
    this.keyTimer = vertx.setPeriodic(Duration.ofMinutes(1).toMillis(), id -> iam.blocking(() -> {
      signingKeys.refresh();
      return null;
    }).onFailure(err -> LOG.warn("Cannot refresh the assertion signing keys: {}", err.getMessage())));
  }

  /** Opens the store (migrating it), joins the cluster and loads the signing keys; blocking parts on a worker. */
  public static Future<IdentityServices> start(Vertx vertx, GatewayConfig config, Clock clock,
      GatewayMetrics metrics, AuditLog audit) {
    IdentityConfig identity = Objects.requireNonNull(config.identity());
    return vertx.executeBlocking(() -> {
      Database database = Database.open(identity.store());
      HazelcastInstance hazelcast;
      try {
        hazelcast = ClusterNode.start(config.cluster(), "portcullis-" + java.util.UUID.randomUUID());
      } catch (RuntimeException e) {
        database.close();
        throw e;
      }
      try {
        JdbcIamStore store = new JdbcIamStore(database.dataSource(), clock);
        PasswordHasher hasher = new PasswordHasher(identity.passwords());
        if (identity.store().seedDemo()) {
          DemoSeed.seedIfEmpty(store, hasher);
        }
        SigningKeys keys = new SigningKeys(store, identity.assertion().keyRotation(),
            identity.assertion().lifetime(), clock);
        keys.refresh();
        byte[] pseudonymKey = Base64.getUrlDecoder().decode(store.secret("pseudonym-key", Secrets::random256));
        byte[] sessionKey = Base64.getUrlDecoder().decode(store.secret("session-mac-key", Secrets::random256));
        TotpSecretBox totpBox = identity.mfa().secretKey() != null ? new TotpSecretBox(identity.mfa().secretKey())
            : TotpSecretBox.fromGeneratedFile(identity.mfa().secretKeyFile());
        return new Opened(database, hazelcast, store, hasher, keys, pseudonymKey, sessionKey, totpBox);
      } catch (RuntimeException e) {
        hazelcast.shutdown();
        database.close();
        throw e;
      }
    }, false).compose(opened -> vertx.executeBlocking(() -> {
      // Built on a worker too: getting maps and topics and adding listeners are remote calls in client mode.
      try {
        return new IdentityServices(vertx, config, opened, clock, metrics, audit);
      } catch (RuntimeException e) {
        opened.hazelcast().shutdown();
        opened.database().close();
        throw e;
      }
    }, false)).compose(services -> services.keycloak == null ? Future.succeededFuture(services)
        : services.keycloak.start().map(services)); // the first mirror, if Keycloak answers in time
  }

  /**
   * Sets a user's password after checking the password rules; a refused password changes nothing
   * and the IamException (INVALID) names the rule. Ends all of the user's sessions (a password
   * change is what someone does who fears another has it): the user signs in again.
   */
  public Future<Void> setPassword(String userId, String password) {
    return iam.blocking(() -> {
      User user = iam.store().userById(userId).orElseThrow(() ->
          new IamException(IamException.Kind.NOT_FOUND, "user " + userId + " does not exist"));
      rules.check(password, user.username(), user.email()).ifPresent(reason -> {
        throw new IamException(IamException.Kind.INVALID, reason);
      });
      iam.store().updatePasswordHash(userId, hasher.hash(password));
      iam.userChanged(userId);
      return null;
    }).compose(v -> revokeSignIns(userId, "password-changed"));
  }

  /**
   * Removes a user's authenticator and recovery codes (see SecondFactor.reset) and ends all their
   * sessions and unfinished sign-ins: a reset usually means a lost or stolen device. Resolves to
   * whether there was an authenticator.
   */
  public Future<Boolean> resetSecondFactor(String userId, String actor) {
    return secondFactor.reset(userId, actor).compose(removed -> revokeSignIns(userId, "mfa-reset").map(removed));
  }

  /**
   * Why {@code password} may not be a user's password (the password rules), or empty when it may.
   */
  public java.util.Optional<String> passwordProblem(String password, String username, String email) {
    return rules.check(password, username, email);
  }

  /** Ends a user's sessions and sign-ins in progress, on every instance, and journals it. */
  public Future<Void> revokeSignIns(String userId, String reason) {
    return Future.all(sessions.revokeUser(userId), pending.revokeUser(userId))
        .compose(all -> all.<Integer>resultAt(0) == 0 ? Future.succeededFuture()
            : audit.session("session.revoked", userId, null, reason).mapEmpty()).mapEmpty();
  }

  /**
   * Authenticates a bearer credential: an API token ({@code pcl_…}) or a JWT from a configured
   * issuer. Null when it is neither an API token nor checkable (no issuer configured); a failed
   * future with InvalidTokenException when it is refused.
   */
  public Future<dev.portcullis.gateway.identity.Authenticated> authenticateToken(String token) {
    if (ApiTokens.looksLikeToken(token)) {
      return apiTokens.authenticate(token);
    }
    return bearer.enabled() ? bearer.authenticate(token) : null;
  }

  /** Hosts a login may return to: those the current routes serve. */
  public void updateHosts(GatewayConfig config) {
    hosts.set(config.routes().stream().map(r -> r.match().host()).filter(Objects::nonNull).toList());
    routeIds.set(config.routes().stream().map(r -> r.id()).collect(java.util.stream.Collectors.toUnmodifiableSet()));
  }

  /** Disabling accounts nobody uses. */
  public UnusedAccounts lifecycle() {
    return lifecycle;
  }

  /** Four-eyes access requests and just-in-time elevation. */
  public AccessRequests accessRequests() {
    return accessRequests;
  }

  public Iam iam() {
    return iam;
  }

  public SessionStore sessions() {
    return sessions;
  }

  public IdentityResolver resolver() {
    return resolver;
  }

  public BearerTokens bearer() {
    return bearer;
  }

  public ApiTokens apiTokens() {
    return apiTokens;
  }

  public AssertionSigner assertions() {
    return assertions;
  }

  public LoginPortal portal() {
    return portal;
  }

  /** TOTP enrolment, verification and the admin reset. */
  public SecondFactor secondFactor() {
    return secondFactor;
  }

  public LoginThrottle throttle() {
    return throttle;
  }

  public PasswordHasher hasher() {
    return hasher;
  }

  /** The IAM store's connections (for the admin API's transactions). */
  public javax.sql.DataSource dataSource() {
    return database.dataSource();
  }

  /** Sign-ins that proved their first factor and still owe the second. */
  public SessionStore pendingSignIns() {
    return pending;
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /**
   * Where the admin API writes role and binding changes before the local store:
   * IamWriteThrough.NONE with the local store as the only source, Keycloak with
   * {@code identity.source: keycloak}.
   */
  public IamWriteThrough writeThrough() {
    return keycloak == null ? IamWriteThrough.NONE : keycloak.writeThrough();
  }

  /** The Keycloak realm's mirror ({@code identity.source: keycloak}), else null. */
  public KeycloakSource keycloak() {
    return keycloak;
  }

  /** Leaves the cluster and closes the store (after the listeners have drained). */
  public Future<Void> close() {
    vertx.cancelTimer(keyTimer);
    lifecycle.close();
    return Future.join(bearer.close(), oidc == null ? Future.succeededFuture() : oidc.close(),
        keycloak == null ? Future.succeededFuture() : keycloak.close())
        .eventually(() -> vertx.executeBlocking(() -> {
          iam.close();
          throttle.close();
          mfaWorkers.close();
          try {
            hazelcast.shutdown();
          } finally {
            database.close();
          }
          return null;
        }, false)).mapEmpty();
  }
}
