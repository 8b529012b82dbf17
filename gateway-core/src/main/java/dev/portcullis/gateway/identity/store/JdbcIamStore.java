package dev.portcullis.gateway.identity.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The IAM store over JDBC (H2 or PostgreSQL, same SQL). Every method blocks: call it from a
 * worker (see Iam, the asynchronous and cached face of this class). Usernames are kept in lower
 * case and compared that way.
 */
public final class JdbcIamStore {

  private final DataSource db;
  private final Clock clock;

  public JdbcIamStore(DataSource db, Clock clock) {
    this.db = db;
    this.clock = clock;
  }

  public boolean isEmpty() {
    return query("SELECT COUNT(*) FROM tenants", rs -> rs.getLong(1)).get(0) == 0;
  }

  // ---- tenants

  public Tenant createTenant(String id, String name) {
    Instant now = clock.instant();
    update("tenant '" + id + "'", "INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)", id, name, ts(now));
    return new Tenant(id, name, now);
  }

  public Optional<Tenant> tenant(String id) {
    return first(query("SELECT id, name, created_at FROM tenants WHERE id = ?",
        rs -> new Tenant(rs.getString(1), rs.getString(2), instant(rs, 3)), id));
  }

  // ---- users

  public User createUser(String tenantId, String username, String email, String displayName, String passwordHash) {
    Instant now = clock.instant();
    User user = new User(UUID.randomUUID().toString(), tenantId, username.toLowerCase(Locale.ROOT), email,
        displayName, User.Status.ACTIVE, passwordHash, now, now);
    update("user '" + user.username() + "'", "INSERT INTO users (id, tenant_id, username, email, display_name, "
        + "status, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", user.id(), tenantId,
        user.username(), email, displayName, "active", passwordHash, ts(now), ts(now));
    return user;
  }

  private static final String USER_COLUMNS = "SELECT id, tenant_id, username, email, display_name, status, "
      + "password_hash, created_at, updated_at FROM users ";

  public Optional<User> userById(String id) {
    return first(query(USER_COLUMNS + "WHERE id = ?", JdbcIamStore::user, id));
  }

  public Optional<User> userByUsername(String username) {
    return first(query(USER_COLUMNS + "WHERE username = ?", JdbcIamStore::user, username.toLowerCase(Locale.ROOT)));
  }

  public void updatePasswordHash(String userId, String passwordHash) {
    requireOne("user " + userId, update("user " + userId,
        "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", passwordHash, ts(clock.instant()), userId));
  }

  public void setStatus(String userId, User.Status status) {
    requireOne("user " + userId, update("user " + userId, "UPDATE users SET status = ?, updated_at = ? WHERE id = ?",
        status.name().toLowerCase(Locale.ROOT), ts(clock.instant()), userId));
  }

  // ---- account lifecycle

  /** Records that the user signed in (or was re-enabled) at {@code at}. */
  public void touchActive(String userId, Instant at) {
    update("user " + userId, "UPDATE users SET last_active_at = ? WHERE id = ?", ts(at), userId);
  }

  /** Why a disabled account is disabled ({@code unused}, {@code admin}, …), if it says. */
  public Optional<String> disabledReason(String userId) {
    return first(query("SELECT disabled_reason FROM users WHERE id = ? AND status = 'disabled'",
        rs -> rs.getString(1), userId));
  }

  /**
   * Active users with no sign-in, re-enabling or API token use since {@code cutoff} (and created
   * before it): the ones to disable for being unused. Their id and tenant.
   */
  public List<String[]> unusedSince(Instant cutoff) {
    return query("SELECT u.id, u.tenant_id FROM users u WHERE u.status = 'active' "
        + "AND COALESCE(u.last_active_at, u.created_at) < ? "
        + "AND NOT EXISTS (SELECT 1 FROM api_tokens t WHERE t.user_id = u.id AND t.last_used_at >= ?)",
        rs -> new String[] {rs.getString(1), rs.getString(2)}, ts(cutoff), ts(cutoff));
  }

  /** Disables an active account for {@code reason}; false when it was not active any more. */
  public boolean disable(String userId, String reason) {
    return update("user " + userId, "UPDATE users SET status = 'disabled', disabled_reason = ?, updated_at = ?, "
        + "version = version + 1 WHERE id = ? AND status = 'active'", reason, ts(clock.instant()), userId) == 1;
  }

  private static User user(ResultSet rs) throws SQLException {
    return new User(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        User.Status.valueOf(rs.getString(6).toUpperCase(Locale.ROOT)), rs.getString(7), instant(rs, 8),
        instant(rs, 9));
  }

  // ---- external identities (single sign-on)

  /** The local user a provider's subject signs in as, if linked. */
  public Optional<User> userByExternalIdentity(String providerId, String subject) {
    return first(query("SELECT u.id, u.tenant_id, u.username, u.email, u.display_name, u.status, u.password_hash, "
        + "u.created_at, u.updated_at FROM users u JOIN external_identities e ON e.user_id = u.id "
        + "WHERE e.provider_id = ? AND e.subject = ?", JdbcIamStore::user, providerId, subject));
  }

  /** Whether any subject of this provider is linked to the user. */
  public boolean hasExternalIdentity(String providerId, String userId) {
    return query("SELECT COUNT(*) FROM external_identities WHERE provider_id = ? AND user_id = ?",
        rs -> rs.getLong(1), providerId, userId).get(0) > 0;
  }

  public void linkExternalIdentity(String providerId, String subject, String userId) {
    update("link of " + providerId + " subject", "INSERT INTO external_identities (provider_id, subject, user_id, "
        + "created_at) VALUES (?, ?, ?, ?)", providerId, subject, userId, ts(clock.instant()));
  }

  // ---- groups

  public String createGroup(String tenantId, String name) {
    String id = UUID.randomUUID().toString();
    update("group '" + name + "'", "INSERT INTO user_groups (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)",
        id, tenantId, name, ts(clock.instant()));
    return id;
  }

  public void addGroupMember(String groupId, String userId) {
    update("membership of user " + userId + " in group " + groupId,
        "INSERT INTO group_members (group_id, user_id) VALUES (?, ?)", groupId, userId);
  }

  // ---- roles and bindings

  public Role createRole(String tenantId, String name, String description, Set<String> permissions) {
    String id = UUID.randomUUID().toString();
    inTransaction(c -> {
      execute(c, "role '" + name + "'", "INSERT INTO roles (id, tenant_id, name, description, created_at) "
          + "VALUES (?, ?, ?, ?, ?)", id, tenantId, name, description, ts(clock.instant()));
      for (String permission : permissions) {
        execute(c, "permission '" + permission + "'",
            "INSERT INTO role_permissions (role_id, permission) VALUES (?, ?)", id, permission);
      }
      return null;
    });
    return new Role(id, tenantId, name, description, permissions);
  }

  /** Role name → permissions, for every role of a tenant. */
  public Map<String, Set<String>> rolePermissions(String tenantId) {
    Map<String, Set<String>> out = new HashMap<>();
    query("SELECT r.name, p.permission FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id "
        + "WHERE r.tenant_id = ?", rs -> {
          Set<String> perms = out.computeIfAbsent(rs.getString(1), k -> new LinkedHashSet<>());
          if (rs.getString(2) != null) {
            perms.add(rs.getString(2));
          }
          return null;
        }, tenantId);
    return out;
  }

  public RoleBinding bindRole(String roleId, String userId, String groupId, Instant validFrom, Instant validUntil,
      String reason, String grantedBy) {
    if ((userId == null) == (groupId == null)) {
      throw new IamException(IamException.Kind.INVALID, "a role binding names exactly one of a user and a group");
    }
    if (validFrom != null && validUntil != null && !validFrom.isBefore(validUntil)) {
      throw new IamException(IamException.Kind.INVALID, "validFrom must be before validUntil");
    }
    Instant now = clock.instant();
    RoleBinding binding = new RoleBinding(UUID.randomUUID().toString(), roleId, userId, groupId, validFrom,
        validUntil, reason, grantedBy, now);
    update("role binding", "INSERT INTO role_bindings (id, role_id, user_id, group_id, valid_from, valid_until, "
        + "reason, granted_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", binding.id(), roleId, userId, groupId,
        ts(validFrom), ts(validUntil), reason, grantedBy, ts(now));
    return binding;
  }

  public void deleteBinding(String bindingId) {
    requireOne("role binding " + bindingId, update("role binding", "DELETE FROM role_bindings WHERE id = ?",
        bindingId));
  }

  /** Every role the user holds directly or through a group, whatever its window. */
  public List<Grant> grantsOf(String userId) {
    return Sql.withConnection(db, "grants", c -> Directory.grants(c, userId));
  }

  /**
   * A role binding as the least-privilege report sees it: who holds which role (and so which
   * permissions), and the members when the holder is a group.
   */
  public record TenantBinding(String bindingId, String role, String userId, String groupId, Set<String> permissions,
      Instant validFrom, Instant validUntil, Set<String> members) {
  }

  /** Every role binding of a tenant's roles, with permissions and (for groups) members. */
  public List<TenantBinding> bindingsInTenant(String tenantId) {
    Map<String, TenantBinding> byId = new java.util.LinkedHashMap<>();
    query("SELECT b.id, r.name, b.user_id, b.group_id, p.permission, b.valid_from, b.valid_until FROM role_bindings b "
        + "JOIN roles r ON r.id = b.role_id LEFT JOIN role_permissions p ON p.role_id = r.id "
        + "WHERE r.tenant_id = ? ORDER BY b.id", rs -> {
          String id = rs.getString(1);
          TenantBinding known = byId.get(id);
          Set<String> perms = new java.util.TreeSet<>(known == null ? Set.of() : known.permissions());
          if (rs.getString(5) != null) {
            perms.add(rs.getString(5));
          }
          byId.put(id, new TenantBinding(id, rs.getString(2), rs.getString(3), rs.getString(4), perms,
              instant(rs, 6), instant(rs, 7), Set.of()));
          return null;
        }, tenantId);
    List<TenantBinding> out = new ArrayList<>();
    for (TenantBinding b : byId.values()) {
      Set<String> members = b.groupId() == null ? Set.of() : Set.copyOf(query(
          "SELECT user_id FROM group_members WHERE group_id = ?", rs -> rs.getString(1), b.groupId()));
      out.add(new TenantBinding(b.bindingId(), b.role(), b.userId(), b.groupId(), Set.copyOf(b.permissions()),
          b.validFrom(), b.validUntil(), members));
    }
    return out;
  }

  // ---- API tokens

  public ApiToken insertToken(String userId, String name, String tokenHash, Set<String> scopes, Instant expiresAt) {
    Instant now = clock.instant();
    ApiToken token = new ApiToken(UUID.randomUUID().toString(), userId, name, tokenHash, scopes, expiresAt, null,
        null, now);
    update("API token '" + name + "'", "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, expires_at, "
        + "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", token.id(), userId, name, tokenHash,
        String.join(" ", scopes), ts(expiresAt), ts(now));
    return token;
  }

  public Optional<ApiToken> tokenByHash(String tokenHash) {
    return first(query("SELECT id, user_id, name, token_hash, scopes, expires_at, last_used_at, revoked_at, "
        + "created_at FROM api_tokens WHERE token_hash = ?", rs -> new ApiToken(rs.getString(1), rs.getString(2),
        rs.getString(3), rs.getString(4), scopes(rs.getString(5)), instant(rs, 6), instant(rs, 7), instant(rs, 8),
        instant(rs, 9)), tokenHash));
  }

  public void revokeToken(String tokenId) {
    requireOne("API token " + tokenId, update("API token", "UPDATE api_tokens SET revoked_at = ? "
        + "WHERE id = ? AND revoked_at IS NULL", ts(clock.instant()), tokenId));
  }

  public void touchToken(String tokenId, Instant usedAt) {
    update("API token", "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", ts(usedAt), tokenId);
  }

  private static Set<String> scopes(String joined) {
    return joined.isBlank() ? Set.of() : new LinkedHashSet<>(Arrays.asList(joined.trim().split(" +")));
  }

  // ---- gateway keys and secrets

  public List<SigningKey> signingKeys() {
    return query("SELECT kid, private_jwk, created_at FROM signing_keys ORDER BY created_at",
        rs -> new SigningKey(rs.getString(1), rs.getString(2), instant(rs, 3)));
  }

  public void addSigningKey(SigningKey key) {
    update("signing key", "INSERT INTO signing_keys (kid, private_jwk, created_at) VALUES (?, ?, ?)", key.kid(),
        key.privateJwk(), ts(key.createdAt()));
  }

  public void deleteSigningKey(String kid) {
    update("signing key", "DELETE FROM signing_keys WHERE kid = ?", kid);
  }

  /** The named secret, created with {@code generator} by whichever instance asks first. */
  public String secret(String name, Supplier<String> generator) {
    Optional<String> existing = first(query("SELECT secret FROM gateway_secrets WHERE name = ?",
        rs -> rs.getString(1), name));
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      update("secret " + name, "INSERT INTO gateway_secrets (name, secret, created_at) VALUES (?, ?, ?)", name,
          generator.get(), ts(clock.instant()));
    } catch (IamException e) {
      if (e.kind() != IamException.Kind.CONFLICT) {
        throw e;
      }
      // Another instance won the race; use its value.
    }
    return first(query("SELECT secret FROM gateway_secrets WHERE name = ?", rs -> rs.getString(1), name))
        .orElseThrow();
  }

  // ---- audit pseudonyms

  /** The subject's audit pseudonym, created with {@code generator} by whichever instance asks first. */
  public String auditPseudonym(String subject, Supplier<String> generator) {
    Optional<String> existing = first(query("SELECT pseudonym FROM audit_subjects WHERE subject = ?",
        rs -> rs.getString(1), subject));
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      update("audit pseudonym", "INSERT INTO audit_subjects (pseudonym, subject, created_at) VALUES (?, ?, ?)",
          generator.get(), subject, ts(clock.instant()));
    } catch (IamException e) {
      if (e.kind() != IamException.Kind.CONFLICT) {
        throw e;
      }
    }
    return first(query("SELECT pseudonym FROM audit_subjects WHERE subject = ?", rs -> rs.getString(1), subject))
        .orElseThrow();
  }

  /** The subject's current pseudonym, if one was ever given and not erased. */
  public Optional<String> existingAuditPseudonym(String subject) {
    return first(query("SELECT pseudonym FROM audit_subjects WHERE subject = ?", rs -> rs.getString(1), subject));
  }

  /** Who a pseudonym stands for, unless erased. */
  public Optional<String> auditSubject(String pseudonym) {
    return first(query("SELECT subject FROM audit_subjects WHERE pseudonym = ?", rs -> rs.getString(1), pseudonym));
  }

  /** Forgets who the subject's pseudonym stands for. Returns whether there was one. */
  public boolean eraseAuditSubject(String subject) {
    return update("audit pseudonym", "DELETE FROM audit_subjects WHERE subject = ?", subject) > 0;
  }

  // ---- second factor

  public Optional<TotpCredential> totpCredential(String userId) {
    return first(query("SELECT user_id, sealed_secret, algorithm, digits, period_seconds, started_by, confirmed_at, "
        + "created_at FROM totp_credentials WHERE user_id = ?", rs -> new TotpCredential(rs.getString(1),
        rs.getString(2), rs.getString(3), rs.getInt(4), rs.getInt(5), rs.getString(6), instant(rs, 7),
        instant(rs, 8)), userId));
  }

  /**
   * Starts an enrolment: stores an unconfirmed credential, replacing an earlier unconfirmed one.
   * Refused (CONFLICT) when the user already has a confirmed credential.
   */
  public void putUnconfirmedTotp(TotpCredential credential) {
    inTransaction(c -> {
      execute(c, "totp credential", "DELETE FROM totp_credentials WHERE user_id = ? AND confirmed_at IS NULL",
          credential.userId());
      execute(c, "totp credential", "INSERT INTO totp_credentials (user_id, sealed_secret, algorithm, digits, "
          + "period_seconds, started_by, confirmed_at, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
          credential.userId(), credential.sealedSecret(), credential.algorithm(), credential.digits(),
          credential.periodSeconds(), credential.startedBy(), ts(credential.createdAt()));
      return null;
    });
  }

  /**
   * Completes an enrolment: confirms the credential (if it is still the one the code was checked
   * against) and replaces the recovery codes, in one transaction. Returns false when another
   * enrolment got there first.
   */
  public boolean confirmTotp(String userId, String sealedSecret, Map<String, String> recoveryCodeHashes) {
    return inTransaction(c -> {
      Instant now = clock.instant();
      if (execute(c, "totp credential", "UPDATE totp_credentials SET confirmed_at = ? WHERE user_id = ? "
          + "AND sealed_secret = ? AND confirmed_at IS NULL", ts(now), userId, sealedSecret) == 0) {
        c.rollback();
        return false;
      }
      execute(c, "recovery codes", "DELETE FROM recovery_codes WHERE user_id = ?", userId);
      for (Map.Entry<String, String> code : recoveryCodeHashes.entrySet()) {
        execute(c, "recovery code", "INSERT INTO recovery_codes (user_id, code_id, code_hash, used_at, created_at) "
            + "VALUES (?, ?, ?, NULL, ?)", userId, code.getKey(), code.getValue(), ts(now));
      }
      // the grace row stays: after a reset, the grace period is not granted again
      return true;
    });
  }

  /**
   * Removes the user's authenticator and recovery codes (admin reset). A rule that requires the
   * user to enrol then gives no new grace period. Returns whether there was an authenticator.
   */
  public boolean deleteSecondFactor(String userId) {
    return inTransaction(c -> {
      execute(c, "recovery codes", "DELETE FROM recovery_codes WHERE user_id = ?", userId);
      execute(c, "mfa grace", "DELETE FROM mfa_grace WHERE user_id = ?", userId);
      execute(c, "mfa grace", "INSERT INTO mfa_grace (user_id, started_at) VALUES (?, ?)", userId, ts(Instant.EPOCH));
      return execute(c, "totp credential", "DELETE FROM totp_credentials WHERE user_id = ?", userId) > 0;
    });
  }

  /** The hash of an unused recovery code, by its public part. */
  public Optional<String> unusedRecoveryCode(String userId, String codeId) {
    return first(query("SELECT code_hash FROM recovery_codes WHERE user_id = ? AND code_id = ? AND used_at IS NULL",
        rs -> rs.getString(1), userId, codeId));
  }

  /** Marks a recovery code used; false when it already was (a concurrent use won). */
  public boolean useRecoveryCode(String userId, String codeId) {
    return update("recovery code", "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_id = ? "
        + "AND used_at IS NULL", ts(clock.instant()), userId, codeId) == 1;
  }

  public int unusedRecoveryCodes(String userId) {
    return query("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
        rs -> rs.getInt(1), userId).get(0);
  }

  /** When the user's grace period for enrolling began, starting it now if it had not. */
  public Instant mfaGraceStart(String userId) {
    Optional<Instant> existing = first(query("SELECT started_at FROM mfa_grace WHERE user_id = ?",
        rs -> instant(rs, 1), userId));
    if (existing.isPresent()) {
      return existing.get();
    }
    try {
      update("mfa grace", "INSERT INTO mfa_grace (user_id, started_at) VALUES (?, ?)", userId, ts(clock.instant()));
    } catch (IamException e) {
      if (e.kind() != IamException.Kind.CONFLICT) {
        throw e;
      }
    }
    return first(query("SELECT started_at FROM mfa_grace WHERE user_id = ?", rs -> instant(rs, 1), userId))
        .orElseThrow();
  }

  // ---- plumbing (see Sql)

  private <T> List<T> query(String sql, Sql.Row<T> row, Object... params) {
    return Sql.withConnection(db, "query", c -> Sql.query(c, sql, row, params));
  }

  private int update(String what, String sql, Object... params) {
    return Sql.withConnection(db, what, c -> Sql.execute(c, what, sql, params));
  }

  private static int execute(Connection c, String what, String sql, Object... params) throws SQLException {
    return Sql.execute(c, what, sql, params);
  }

  private <T> T inTransaction(Sql.Work<T> work) {
    return Sql.inTransaction(db, "transaction", work);
  }

  private static void requireOne(String what, int rows) {
    if (rows == 0) {
      throw new IamException(IamException.Kind.NOT_FOUND, what + " does not exist");
    }
  }

  private static <T> Optional<T> first(List<T> rows) {
    return Sql.first(rows);
  }

  private static OffsetDateTime ts(Instant instant) {
    return Sql.ts(instant);
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    return Sql.instant(rs, column);
  }
}
