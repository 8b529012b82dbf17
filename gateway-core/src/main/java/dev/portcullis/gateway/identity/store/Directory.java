package dev.portcullis.gateway.identity.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The IAM store as the admin API sees it: every object with its version (the ETag that stops two
 * admins from silently overwriting each other), listed a page at a time in a stable order. Each
 * method works on a connection the caller holds, so that a check, a change and its audit event
 * share one transaction. Blocking: call from a worker.
 */
public final class Directory {

  /** One page of a listing and the key to continue after it (null on the last page). */
  public record Page<T>(List<T> items, String next) {
  }

  /** Filters of a listing: column → value; a null value is no filter. */
  public record Filter(String column, Object value) {
  }

  public record TenantRow(String id, String name, Instant createdAt, int version) {
  }

  public record UserRow(User user, int version) {
  }

  public record GroupRow(String id, String tenantId, String name, Instant createdAt, int version) {
  }

  public record RoleRow(Role role, boolean builtin, Instant createdAt, int version) {
  }

  /** A binding with the role it binds (name, tenant, permissions). */
  public record BindingRow(RoleBinding binding, Role role) {
  }

  public record NetworkSet(String name, String description, List<String> cidrs, int version, String updatedBy,
      Instant updatedAt) {
  }

  private final java.time.Clock clock;

  public Directory(java.time.Clock clock) {
    this.clock = clock;
  }

  // ---- tenants

  public Page<TenantRow> tenants(Connection c, Set<String> only, String after, int limit) throws SQLException {
    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder("WHERE id > ?");
    params.add(after == null ? "" : after);
    if (only != null) {
      if (only.isEmpty()) {
        return new Page<>(List.of(), null);
      }
      where.append(" AND id IN (").append(String.join(", ", java.util.Collections.nCopies(only.size(), "?")))
          .append(")");
      params.addAll(only);
    }
    return page(Sql.query(c, "SELECT id, name, created_at, version FROM tenants " + where + " ORDER BY id LIMIT " + (limit + 1),
        Directory::tenant, params.toArray()), limit, TenantRow::id);
  }

  public Optional<TenantRow> tenant(Connection c, String id) throws SQLException {
    return Sql.first(Sql.query(c, "SELECT id, name, created_at, version FROM tenants WHERE id = ?",
        Directory::tenant, id));
  }

  public TenantRow createTenant(Connection c, String id, String name) throws SQLException {
    Instant now = clock.instant();
    Sql.execute(c, "tenant '" + id + "'", "INSERT INTO tenants (id, name, created_at, version) VALUES (?, ?, ?, 1)",
        id, name, Sql.ts(now));
    return new TenantRow(id, name, now, 1);
  }

  public boolean renameTenant(Connection c, String id, String name, int version) throws SQLException {
    return Sql.execute(c, "tenant '" + id + "'", "UPDATE tenants SET name = ?, version = version + 1 WHERE id = ? "
        + "AND version = ?", name, id, version) == 1;
  }

  private static TenantRow tenant(ResultSet rs) throws SQLException {
    return new TenantRow(rs.getString(1), rs.getString(2), Sql.instant(rs, 3), rs.getInt(4));
  }

  // ---- users

  private static final String USER_COLUMNS = "SELECT id, tenant_id, username, email, display_name, status, "
      + "password_hash, created_at, updated_at, version FROM users ";

  public Page<UserRow> users(Connection c, String tenant, String status, String usernamePrefix, String after,
      int limit) throws SQLException {
    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder("WHERE username > ?");
    params.add(after == null ? "" : after);
    if (tenant != null) {
      where.append(" AND tenant_id = ?");
      params.add(tenant);
    }
    if (status != null) {
      where.append(" AND status = ?");
      params.add(status);
    }
    if (usernamePrefix != null) {
      where.append(" AND username LIKE ? ESCAPE '!'");
      params.add(usernamePrefix.toLowerCase(Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_")
          + "%");
    }
    return page(Sql.query(c, USER_COLUMNS + where + " ORDER BY username LIMIT " + (limit + 1), Directory::user, params.toArray()), limit,
        u -> u.user().username());
  }

  public Optional<UserRow> user(Connection c, String id) throws SQLException {
    return Sql.first(Sql.query(c, USER_COLUMNS + "WHERE id = ?", Directory::user, id));
  }

  public Optional<UserRow> userByUsername(Connection c, String username) throws SQLException {
    return Sql.first(Sql.query(c, USER_COLUMNS + "WHERE username = ?", Directory::user,
        username.toLowerCase(Locale.ROOT)));
  }

  public UserRow createUser(Connection c, String tenantId, String username, String email, String displayName,
      String passwordHash) throws SQLException {
    Instant now = clock.instant();
    User user = new User(UUID.randomUUID().toString(), tenantId, username.toLowerCase(Locale.ROOT), email,
        displayName, User.Status.ACTIVE, passwordHash, now, now);
    Sql.execute(c, "user '" + user.username() + "'", "INSERT INTO users (id, tenant_id, username, email, "
        + "display_name, status, password_hash, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        user.id(), tenantId, user.username(), email, displayName, "active", passwordHash, Sql.ts(now), Sql.ts(now));
    return new UserRow(user, 1);
  }

  /** Changes email and display name if the version still matches; false when it does not. */
  public boolean updateUser(Connection c, String id, String email, String displayName, int version)
      throws SQLException {
    return Sql.execute(c, "user " + id, "UPDATE users SET email = ?, display_name = ?, updated_at = ?, "
        + "version = version + 1 WHERE id = ? AND version = ?", email, displayName, Sql.ts(clock.instant()), id,
        version) == 1;
  }

  /**
   * Disables (reason {@code admin}) or enables a user. Enabling counts as use: the account then has
   * a full unused period before the lifecycle would disable it again.
   */
  public void setStatus(Connection c, String id, User.Status status) throws SQLException {
    Instant now = clock.instant();
    if (status == User.Status.ACTIVE) {
      Sql.execute(c, "user " + id, "UPDATE users SET status = 'active', disabled_reason = NULL, last_active_at = ?, "
          + "updated_at = ?, version = version + 1 WHERE id = ?", Sql.ts(now), Sql.ts(now), id);
    } else {
      Sql.execute(c, "user " + id, "UPDATE users SET status = 'disabled', disabled_reason = 'admin', updated_at = ?, "
          + "version = version + 1 WHERE id = ?", Sql.ts(now), id);
    }
  }

  public void setPasswordHash(Connection c, String id, String hash) throws SQLException {
    Sql.execute(c, "user " + id, "UPDATE users SET password_hash = ?, updated_at = ?, version = version + 1 "
        + "WHERE id = ?", hash, Sql.ts(clock.instant()), id);
  }

  /** Deletes the user if the version still matches (null: any); false when it did not. */
  public boolean deleteUser(Connection c, String id, Integer version) throws SQLException {
    // bindings, memberships, tokens and second factor go with it (ON DELETE CASCADE)
    return deleteVersioned(c, "user " + id, "users", "id", id, version);
  }

  private static boolean deleteVersioned(Connection c, String what, String table, String key, String value,
      Integer version) throws SQLException {
    return version == null ? Sql.execute(c, what, "DELETE FROM " + table + " WHERE " + key + " = ?", value) == 1
        : Sql.execute(c, what, "DELETE FROM " + table + " WHERE " + key + " = ? AND version = ?", value, version) == 1;
  }

  private static UserRow user(ResultSet rs) throws SQLException {
    return new UserRow(new User(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        User.Status.valueOf(rs.getString(6).toUpperCase(Locale.ROOT)), rs.getString(7), Sql.instant(rs, 8),
        Sql.instant(rs, 9)), rs.getInt(10));
  }

  // ---- groups and members

  public Page<GroupRow> groups(Connection c, String tenant, String after, int limit) throws SQLException {
    String sql = "SELECT id, tenant_id, name, created_at, version FROM user_groups WHERE id > ?"
        + (tenant == null ? "" : " AND tenant_id = ?") + " ORDER BY id LIMIT " + (limit + 1);
    Object[] params = tenant == null ? new Object[] {after == null ? "" : after}
        : new Object[] {after == null ? "" : after, tenant};
    return page(Sql.query(c, sql, Directory::group, params), limit, GroupRow::id);
  }

  public Optional<GroupRow> group(Connection c, String id) throws SQLException {
    return Sql.first(Sql.query(c, "SELECT id, tenant_id, name, created_at, version FROM user_groups WHERE id = ?",
        Directory::group, id));
  }

  public GroupRow createGroup(Connection c, String tenantId, String name) throws SQLException {
    String id = UUID.randomUUID().toString();
    Instant now = clock.instant();
    Sql.execute(c, "group '" + name + "'", "INSERT INTO user_groups (id, tenant_id, name, created_at, version) "
        + "VALUES (?, ?, ?, ?, 1)", id, tenantId, name, Sql.ts(now));
    return new GroupRow(id, tenantId, name, now, 1);
  }

  public boolean renameGroup(Connection c, String id, String name, int version) throws SQLException {
    return Sql.execute(c, "group '" + name + "'", "UPDATE user_groups SET name = ?, version = version + 1 "
        + "WHERE id = ? AND version = ?", name, id, version) == 1;
  }

  public boolean deleteGroup(Connection c, String id, Integer version) throws SQLException {
    return deleteVersioned(c, "group " + id, "user_groups", "id", id, version);
  }

  public List<String> members(Connection c, String groupId) throws SQLException {
    return Sql.query(c, "SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id",
        rs -> rs.getString(1), groupId);
  }

  /** Adds a member; false when the user already was one. */
  public boolean addMember(Connection c, String groupId, String userId) throws SQLException {
    if (!Sql.query(c, "SELECT 1 FROM group_members WHERE group_id = ? AND user_id = ?", rs -> 1, groupId, userId)
        .isEmpty()) {
      return false;
    }
    Sql.execute(c, "membership", "INSERT INTO group_members (group_id, user_id) VALUES (?, ?)", groupId, userId);
    return true;
  }

  public boolean removeMember(Connection c, String groupId, String userId) throws SQLException {
    return Sql.execute(c, "membership", "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", groupId,
        userId) == 1;
  }

  private static GroupRow group(ResultSet rs) throws SQLException {
    return new GroupRow(rs.getString(1), rs.getString(2), rs.getString(3), Sql.instant(rs, 4), rs.getInt(5));
  }

  // ---- roles

  private static final String ROLE_COLUMNS = "SELECT r.id, r.tenant_id, r.name, r.description, p.permission, "
      + "r.builtin, r.created_at, r.version FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id ";

  public Page<RoleRow> roles(Connection c, String tenant, String after, int limit) throws SQLException {
    // page over role ids first: the join has one row per permission
    String sql = "SELECT id FROM roles WHERE id > ?" + (tenant == null ? "" : " AND tenant_id = ?")
        + " AND name NOT LIKE 'route-approval:%' ORDER BY id LIMIT " + (limit + 1);
    Object[] params = tenant == null ? new Object[] {after == null ? "" : after}
        : new Object[] {after == null ? "" : after, tenant};
    Page<String> ids = page(Sql.query(c, sql, rs -> rs.getString(1), params), limit, id -> id);
    List<RoleRow> rows = new ArrayList<>();
    for (String id : ids.items()) {
      role(c, id).ifPresent(rows::add);
    }
    return new Page<>(rows, ids.next());
  }

  public Optional<RoleRow> role(Connection c, String id) throws SQLException {
    return Sql.first(roles(Sql.query(c, ROLE_COLUMNS + "WHERE r.id = ?", Directory::roleLine, id)));
  }

  public Optional<RoleRow> roleByName(Connection c, String tenantId, String name) throws SQLException {
    return Sql.first(roles(Sql.query(c, ROLE_COLUMNS + "WHERE r.tenant_id = ? AND r.name = ?", Directory::roleLine,
        tenantId, name)));
  }

  public RoleRow createRole(Connection c, String tenantId, String name, String description, Set<String> permissions,
      boolean builtin) throws SQLException {
    String id = UUID.randomUUID().toString();
    Instant now = clock.instant();
    Sql.execute(c, "role '" + name + "'", "INSERT INTO roles (id, tenant_id, name, description, created_at, version, "
        + "builtin) VALUES (?, ?, ?, ?, ?, 1, ?)", id, tenantId, name, description, Sql.ts(now), builtin);
    putPermissions(c, id, permissions);
    return new RoleRow(new Role(id, tenantId, name, description, permissions), builtin, now, 1);
  }

  public boolean updateRole(Connection c, String id, String description, Set<String> permissions, int version)
      throws SQLException {
    if (Sql.execute(c, "role " + id, "UPDATE roles SET description = ?, version = version + 1 WHERE id = ? "
        + "AND version = ?", description, id, version) == 0) {
      return false;
    }
    Sql.execute(c, "role " + id, "DELETE FROM role_permissions WHERE role_id = ?", id);
    putPermissions(c, id, permissions);
    return true;
  }

  public boolean deleteRole(Connection c, String id, Integer version) throws SQLException {
    return deleteVersioned(c, "role " + id, "roles", "id", id, version);
  }

  private static void putPermissions(Connection c, String roleId, Set<String> permissions) throws SQLException {
    for (String permission : new TreeSet<>(permissions)) {
      Sql.execute(c, "permission '" + permission + "'", "INSERT INTO role_permissions (role_id, permission) "
          + "VALUES (?, ?)", roleId, permission);
    }
  }

  private record RoleLine(String id, String tenantId, String name, String description, String permission,
      boolean builtin, Instant createdAt, int version) {
  }

  private static RoleLine roleLine(ResultSet rs) throws SQLException {
    return new RoleLine(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getBoolean(6), Sql.instant(rs, 7), rs.getInt(8));
  }

  private static List<RoleRow> roles(List<RoleLine> lines) {
    Map<String, List<RoleLine>> byId = new LinkedHashMap<>();
    lines.forEach(l -> byId.computeIfAbsent(l.id(), k -> new ArrayList<>()).add(l));
    List<RoleRow> out = new ArrayList<>();
    byId.forEach((id, rows) -> {
      RoleLine first = rows.get(0);
      Set<String> permissions = new TreeSet<>();
      rows.stream().map(RoleLine::permission).filter(java.util.Objects::nonNull).forEach(permissions::add);
      out.add(new RoleRow(new Role(id, first.tenantId(), first.name(), first.description(), permissions),
          first.builtin(), first.createdAt(), first.version()));
    });
    return out;
  }

  // ---- bindings

  private static final String BINDING_COLUMNS = "SELECT b.id, b.role_id, b.user_id, b.group_id, b.valid_from, "
      + "b.valid_until, b.reason, b.granted_by, b.created_at FROM role_bindings b JOIN roles r ON r.id = b.role_id ";

  public Page<BindingRow> bindings(Connection c, String tenant, String userId, String groupId, String roleId,
      String after, int limit) throws SQLException {
    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder("WHERE b.id > ?");
    params.add(after == null ? "" : after);
    for (Filter f : List.of(new Filter("r.tenant_id", tenant), new Filter("b.user_id", userId),
        new Filter("b.group_id", groupId), new Filter("b.role_id", roleId))) {
      if (f.value() != null) {
        where.append(" AND ").append(f.column()).append(" = ?");
        params.add(f.value());
      }
    }
    Page<RoleBinding> page = page(Sql.query(c, BINDING_COLUMNS + where + " ORDER BY b.id LIMIT " + (limit + 1), Directory::binding,
        params.toArray()), limit, RoleBinding::id);
    List<BindingRow> rows = new ArrayList<>();
    for (RoleBinding b : page.items()) {
      role(c, b.roleId()).ifPresent(r -> rows.add(new BindingRow(b, r.role())));
    }
    return new Page<>(rows, page.next());
  }

  public Optional<BindingRow> binding(Connection c, String id) throws SQLException {
    Optional<RoleBinding> found = Sql.first(Sql.query(c, BINDING_COLUMNS + "WHERE b.id = ?", Directory::binding, id));
    if (found.isEmpty()) {
      return Optional.empty();
    }
    return role(c, found.get().roleId()).map(r -> new BindingRow(found.get(), r.role()));
  }

  public RoleBinding createBinding(Connection c, String roleId, String userId, String groupId, Instant validFrom,
      Instant validUntil, String reason, String grantedBy) throws SQLException {
    Instant now = clock.instant();
    RoleBinding binding = new RoleBinding(UUID.randomUUID().toString(), roleId, userId, groupId, validFrom,
        validUntil, reason, grantedBy, now);
    Sql.execute(c, "role binding", "INSERT INTO role_bindings (id, role_id, user_id, group_id, valid_from, "
        + "valid_until, reason, granted_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", binding.id(), roleId,
        userId, groupId, Sql.ts(validFrom), Sql.ts(validUntil), reason, grantedBy, Sql.ts(now));
    return binding;
  }

  public void deleteBinding(Connection c, String id) throws SQLException {
    Sql.execute(c, "role binding", "DELETE FROM role_bindings WHERE id = ?", id);
  }

  /**
   * Whether a binding of the role lasts past {@code until} (one without end does): what widening
   * the role would hand out for longer than {@code until}.
   */
  public boolean roleBoundPast(Connection c, String roleId, Instant until) throws SQLException {
    return !Sql.query(c, "SELECT 1 FROM role_bindings WHERE role_id = ? AND (valid_until IS NULL OR valid_until > ?)",
        rs -> 1, roleId, Sql.ts(until)).isEmpty();
  }

  /** The permissions a group's bindings give its members now (what adding a member grants). */
  public Set<String> groupPermissions(Connection c, String groupId, Instant now) throws SQLException {
    Set<String> out = new TreeSet<>();
    for (RoleBinding b : Sql.query(c, BINDING_COLUMNS + "WHERE b.group_id = ?", Directory::binding, groupId)) {
      if (b.validUntil() == null || now.isBefore(b.validUntil())) {
        role(c, b.roleId()).ifPresent(r -> out.addAll(r.role().permissions()));
      }
    }
    return out;
  }

  private static RoleBinding binding(ResultSet rs) throws SQLException {
    return new RoleBinding(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Sql.instant(rs, 5),
        Sql.instant(rs, 6), rs.getString(7), rs.getString(8), Sql.instant(rs, 9));
  }

  /** Every role the user holds directly or through a group, whatever its window. */
  public static List<Grant> grants(Connection c, String userId) throws SQLException {
    Map<String, Grant> byBinding = new LinkedHashMap<>();
    Sql.query(c, "SELECT b.id, r.tenant_id, r.name, p.permission, b.valid_from, b.valid_until FROM role_bindings b "
        + "JOIN roles r ON r.id = b.role_id LEFT JOIN role_permissions p ON p.role_id = r.id "
        + "WHERE b.user_id = ? OR b.group_id IN (SELECT group_id FROM group_members WHERE user_id = ?) "
        + "ORDER BY b.id", rs -> {
          String id = rs.getString(1);
          Grant known = byBinding.get(id);
          Set<String> perms = new LinkedHashSet<>(known == null ? Set.of() : known.permissions());
          if (rs.getString(4) != null) {
            perms.add(rs.getString(4));
          }
          byBinding.put(id, new Grant(id, rs.getString(2), rs.getString(3), perms, Sql.instant(rs, 5),
              Sql.instant(rs, 6)));
          return null;
        }, userId, userId);
    return List.copyOf(byBinding.values());
  }

  // ---- API tokens

  private static final String TOKEN_COLUMNS = "SELECT id, user_id, name, token_hash, scopes, expires_at, "
      + "last_used_at, revoked_at, created_at FROM api_tokens ";

  public List<ApiToken> tokens(Connection c, String userId) throws SQLException {
    return Sql.query(c, TOKEN_COLUMNS + "WHERE user_id = ? ORDER BY created_at, id", Directory::token, userId);
  }

  public Optional<ApiToken> token(Connection c, String id) throws SQLException {
    return Sql.first(Sql.query(c, TOKEN_COLUMNS + "WHERE id = ?", Directory::token, id));
  }

  public ApiToken createToken(Connection c, String userId, String name, String tokenHash, Set<String> scopes,
      Instant expiresAt) throws SQLException {
    Instant now = clock.instant();
    ApiToken token = new ApiToken(UUID.randomUUID().toString(), userId, name, tokenHash, scopes, expiresAt, null,
        null, now);
    Sql.execute(c, "API token '" + name + "'", "INSERT INTO api_tokens (id, user_id, name, token_hash, scopes, "
        + "expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", token.id(), userId, name, tokenHash,
        String.join(" ", scopes), Sql.ts(expiresAt), Sql.ts(now));
    return token;
  }

  /** Revokes a token; false when it was revoked already. */
  public boolean revokeToken(Connection c, String id) throws SQLException {
    return Sql.execute(c, "API token " + id, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        Sql.ts(clock.instant()), id) == 1;
  }

  private static ApiToken token(ResultSet rs) throws SQLException {
    String scopes = rs.getString(5);
    return new ApiToken(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        scopes.isBlank() ? Set.of() : new LinkedHashSet<>(Arrays.asList(scopes.trim().split(" +"))),
        Sql.instant(rs, 6), Sql.instant(rs, 7), Sql.instant(rs, 8), Sql.instant(rs, 9));
  }

  // ---- network sets

  public List<NetworkSet> networkSets(Connection c) throws SQLException {
    return Sql.query(c, "SELECT name, description, cidrs, version, updated_by, updated_at FROM network_sets "
        + "ORDER BY name", Directory::networkSet);
  }

  public Optional<NetworkSet> networkSet(Connection c, String name) throws SQLException {
    return Sql.first(Sql.query(c, "SELECT name, description, cidrs, version, updated_by, updated_at FROM "
        + "network_sets WHERE name = ?", Directory::networkSet, name));
  }

  /**
   * Creates the set ({@code version} null) or replaces it if its version still matches. Resolves to
   * the stored set, or empty when the version did not match.
   */
  public Optional<NetworkSet> putNetworkSet(Connection c, String name, String description, List<String> cidrs,
      Integer version, String actor) throws SQLException {
    Instant now = clock.instant();
    String joined = String.join(" ", cidrs);
    if (version == null) {
      Sql.execute(c, "network set '" + name + "'", "INSERT INTO network_sets (name, description, cidrs, version, "
          + "updated_by, updated_at) VALUES (?, ?, ?, 1, ?, ?)", name, description, joined, actor, Sql.ts(now));
      return Optional.of(new NetworkSet(name, description, List.copyOf(cidrs), 1, actor, now));
    }
    if (Sql.execute(c, "network set '" + name + "'", "UPDATE network_sets SET description = ?, cidrs = ?, "
        + "version = version + 1, updated_by = ?, updated_at = ? WHERE name = ? AND version = ?", description, joined,
        actor, Sql.ts(now), name, version) == 0) {
      return Optional.empty();
    }
    return Optional.of(new NetworkSet(name, description, List.copyOf(cidrs), version + 1, actor, now));
  }

  public boolean deleteNetworkSet(Connection c, String name, Integer version) throws SQLException {
    return deleteVersioned(c, "network set '" + name + "'", "network_sets", "name", name, version);
  }

  private static NetworkSet networkSet(ResultSet rs) throws SQLException {
    String cidrs = rs.getString(3);
    return new NetworkSet(rs.getString(1), rs.getString(2), cidrs.isBlank() ? List.of()
        : List.of(cidrs.trim().split(" +")), rs.getInt(4), rs.getString(5), Sql.instant(rs, 6));
  }

  // ---- paging

  private static <T> Page<T> page(List<T> rows, int limit, java.util.function.Function<T, String> key) {
    if (rows.size() <= limit) {
      return new Page<>(rows, null);
    }
    List<T> items = List.copyOf(rows.subList(0, limit));
    return new Page<>(items, key.apply(items.get(limit - 1)));
  }
}
