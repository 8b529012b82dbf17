package dev.portcullis.gateway.admin;

import dev.portcullis.gateway.audit.AuditLog;
import dev.portcullis.gateway.identity.Secrets;
import dev.portcullis.gateway.identity.store.Directory;
import dev.portcullis.gateway.identity.store.Sql;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The first administrator. While nobody holds {@code iam-admin} (as in an empty store), the token
 * in {@code PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN} becomes an API token of user {@code bootstrap-admin}
 * in tenant {@code system}, holding {@code iam-admin} for 24 hours: enough to create the real
 * admins, after which it is ignored. Without it the log says how to begin. There is no default
 * password anywhere.
 */
final class AdminBootstrap {

  static final String ENV = "PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN";
  static final String TENANT = "system";
  static final String USER = "bootstrap-admin";
  static final Duration LIFETIME = Duration.ofHours(24);
  private static final Pattern SHAPE = Pattern.compile("pcl_[A-Za-z0-9_-]{43}");
  private static final Logger LOG = LoggerFactory.getLogger(AdminBootstrap.class);
  private static final String HOW = "generate one with: echo pcl_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=')";

  /** A bootstrap token that cannot be used: the gateway does not start. */
  static final class InvalidBootstrapToken extends IllegalStateException {
    InvalidBootstrapToken(String message) {
      super(message);
    }
  }

  static String problem(String token) {
    return token != null && !token.isBlank() && !SHAPE.matcher(token.trim()).matches()
        ? ENV + " must be 'pcl_' and 43 base64url characters (256 random bits); " + HOW : null;
  }

  private final DataSource db;
  private final Directory directory;
  private final BuiltinRoles builtins;
  private final AuditLog audit;
  private final Clock clock;

  AdminBootstrap(DataSource db, Directory directory, BuiltinRoles builtins, AuditLog audit, Clock clock) {
    this.db = db;
    this.directory = directory;
    this.builtins = builtins;
    this.audit = audit;
    this.clock = clock;
  }

  /** Blocking: call from a worker. Returns whether a bootstrap token was created. */
  boolean run(String token) {
    String problem = problem(token);
    if (problem != null) {
      throw new InvalidBootstrapToken(problem);
    }
    boolean hasAdmin = hasAdministrator();
    if (token == null || token.isBlank()) {
      if (!hasAdmin) {
        LOG.warn("Nobody can administer this gateway yet: no user holds iam-admin. Set {} to a new token ({}) and "
            + "restart; it then acts as an iam-admin API token for {} hours, to create the first admins with.",
            ENV, HOW, LIFETIME.toHours());
      }
      return false;
    }
    String hash = Secrets.sha256(token.trim());
    var existing = Sql.withConnection(db, "bootstrap token", c -> Sql.query(c, "SELECT expires_at FROM api_tokens "
        + "WHERE token_hash = ?", rs -> Sql.instant(rs, 1), hash));
    if (!existing.isEmpty()) {
      if (existing.get(0) == null || existing.get(0).isAfter(clock.instant())) {
        LOG.info("{} is the bootstrap admin token created earlier; it works until {}", ENV, existing.get(0));
      } else {
        LOG.warn("{} is the bootstrap admin token created earlier; it expired at {} and is refused. Unset it (a new "
            + "value creates a new one only while nobody holds iam-admin).", ENV, existing.get(0));
      }
      return false;
    }
    if (hasAdmin) {
      LOG.warn("{} is set but ignored: an administrator exists already. Unset it.", ENV);
      return false;
    }
    Instant now = clock.instant();
    Instant until = now.plus(LIFETIME);
    Sql.inTransaction(db, "bootstrap admin", c -> {
      if (directory.tenant(c, TENANT).isEmpty()) {
        directory.createTenant(c, TENANT, "Portcullis administrators");
      }
      builtins.ensure(c, TENANT);
      var existingUser = directory.userByUsername(c, USER);
      if (existingUser.isPresent() && !existingUser.get().user().tenantId().equals(TENANT)) {
        throw new InvalidBootstrapToken("the username '" + USER + "' belongs to tenant "
            + existingUser.get().user().tenantId() + ", not to " + TENANT + ": rename that account to bootstrap");
      }
      var user = existingUser.orElseGet(() -> {
        try {
          return directory.createUser(c, TENANT, USER, null, "Bootstrap administrator (24 h)", null);
        } catch (java.sql.SQLException e) {
          throw Sql.translate(e, "user " + USER);
        }
      });
      var role = directory.roleByName(c, TENANT, "iam-admin").orElseThrow();
      directory.createBinding(c, role.role().id(), user.user().id(), null, null, until, "bootstrap admin token",
          grantedBy());
      directory.createToken(c, user.user().id(), "bootstrap", hash, role.role().permissions(), until);
      try {
        audit.admin(grantedBy(), TENANT, "bootstrap", "user", user.user().id(), Map.of("role",
            "iam-admin", "validUntil", until.toString())).toCompletionStage().toCompletableFuture()
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("the audit journal did not take admin.bootstrap: " + e, e);
      }
      return null;
    });
    LOG.warn("{}: the store had no administrator, so this token is now an iam-admin API token (user '{}' in tenant "
        + "'{}') until {}. Create your admins with it (they need a second factor to use the admin API from a browser),"
        + " then unset it.", ENV, USER, TENANT, until);
    return true;
  }

  /**
   * Whether an active user holds iam-admin now (directly or through a group), other than through
   * the bootstrap itself: a disabled account, an empty group or a binding that starts next week is
   * no administrator, and must not shut the bootstrap out.
   */
  private boolean hasAdministrator() {
    Object now = Sql.ts(clock.instant());
    String window = "(b.valid_from IS NULL OR b.valid_from <= ?) AND (b.valid_until IS NULL OR b.valid_until > ?)";
    return !Sql.withConnection(db, "admins", c -> Sql.query(c, "SELECT 1 FROM role_bindings b "
        + "JOIN roles r ON r.id = b.role_id JOIN users u ON u.id = b.user_id WHERE r.name = 'iam-admin' "
        + "AND r.builtin = TRUE AND u.status = 'active' AND b.granted_by <> ? AND " + window + " UNION ALL "
        + "SELECT 1 FROM role_bindings b JOIN roles r ON r.id = b.role_id JOIN group_members m ON m.group_id = b.group_id "
        + "JOIN users u ON u.id = m.user_id WHERE r.name = 'iam-admin' AND r.builtin = TRUE AND u.status = 'active' "
        + "AND " + window, rs -> 1, grantedBy(), now, now, now, now)).isEmpty();
  }

  private static String grantedBy() {
    return "system:bootstrap";
  }
}
