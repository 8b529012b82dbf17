package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.access.AccessRequest;
import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.identity.store.Sql;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Applies a snapshot of the realm to the IAM store, in one transaction, for the realm's tenant
 * (created if missing):
 * <ul>
 *   <li>users upserted by their Keycloak id (username, email, display name, status; no password:
 *       they sign in through single sign-on or bearer tokens); a mirrored user gone from the realm is
 *       disabled, never deleted, so that audit history stays resolvable;</li>
 *   <li>groups (named by their path) and their members;</li>
 *   <li>realm roles (description, permissions), matched by Keycloak id, else by name; a mirrored
 *       role gone from the realm is deleted with its bindings. Built-in (admin) roles of the gateway are
 *       never changed nor granted through Keycloak mappings (only through the admin API), and names
 *       starting with {@code route-approval:} are the gateway's own;</li>
 *   <li>role mappings as role bindings granted by {@value #GRANTED_BY}, without window. A mapping
 *       the gateway wrote for a binding granted through it (keycloak_owned_mappings), or one that a
 *       live binding granted in the gateway already gives, is not imported again.</li>
 * </ul>
 * Bindings granted in the gateway are never removed here (only with a role or group gone from the
 * realm). An object that cannot be mirrored (its username taken by a local user, a name too long)
 * is skipped with a warning and the rest goes on. Blocking: call it on a worker.
 */
public final class RealmMirror {

  /** {@code granted_by} of the bindings that mirror Keycloak's role mappings. */
  public static final String GRANTED_BY = "keycloak";
  static final String RESERVED_ROLE_PREFIX = AccessRequest.ROUTE_ROLE_PREFIX;

  private final DataSource db;

  public RealmMirror(DataSource db) {
    this.db = db;
  }

  /**
   * What one application changed.
   *
   * @param changedUsers users whose account, groups or bindings changed (their caches must go)
   * @param rolesChanged whether the tenant's role definitions changed
   * @param disabled     users now disabled, with why ({@code disabled in Keycloak}, {@code deleted from Keycloak})
   * @param enabled      users active again
   * @param warnings     objects not mirrored, by a stable key (to log each once), with the reason
   * @param summary      counts of what was added, changed and removed, for the log
   */
  public record Changes(Set<String> changedUsers, boolean rolesChanged, Map<String, String> disabled,
      Set<String> enabled, Map<String, String> warnings, String summary) {
  }

  /**
   * @param oidcProviders ids of {@code identity.oidc} providers that sign in against this realm:
   *                      each mirrored user is linked to them by subject, so that single sign-on
   *                      finds the user whatever its username becomes
   */
  public Changes apply(String tenantId, RealmSnapshot realm, Set<String> oidcProviders, Instant now) {
    return Sql.inTransaction(db, "Keycloak mirror of tenant '" + tenantId + "'",
        c -> new Run(c, tenantId, now).apply(realm, oidcProviders));
  }

  /** One application: the connection, and what it found and changed so far. */
  private static final class Run {
    private final Connection c;
    private final String tenant;
    private final Instant now;
    private final Set<String> changedUsers = new LinkedHashSet<>();
    private final Map<String, String> disabled = new LinkedHashMap<>();
    private final Set<String> enabled = new LinkedHashSet<>();
    private final Map<String, String> warnings = new LinkedHashMap<>();
    private boolean rolesChanged;
    /** Mirrored users of the realm that exist here (after the users step). */
    private final Set<String> hereUsers = new HashSet<>();
    /** Mirrored groups of the realm that exist here → their members here. */
    private final Map<String, Set<String>> hereGroups = new HashMap<>();
    /** Realm role name → local role id. */
    private final Map<String, String> roleIds = new HashMap<>();
    /** Counts for the log line: users, groups, roles and bindings added (+), changed (~) and removed (-). */
    private final int[] userCounts = new int[2];
    private final int[] groupCounts = new int[3];
    private final int[] roleCounts = new int[3];
    private final int[] bindingCounts = new int[2];

    Run(Connection c, String tenant, Instant now) {
      this.c = c;
      this.tenant = tenant;
      this.now = now;
    }

    Changes apply(RealmSnapshot realm, Set<String> oidcProviders) throws SQLException {
      if (Sql.query(c, "SELECT COUNT(*) FROM tenants WHERE id = ?", rs -> rs.getLong(1), tenant).get(0) == 0) {
        Sql.execute(c, "tenant '" + tenant + "'", "INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)",
            tenant, tenant, Sql.ts(now));
      }
      users(realm.users());
      links(oidcProviders);
      groups(realm.groups());
      roles(realm.roles());
      bindings(realm.roles());
      String summary = "users +" + userCounts[0] + " ~" + userCounts[1] + " (disabled " + disabled.size()
          + ", enabled " + enabled.size() + "), groups " + counts(groupCounts) + ", roles " + counts(roleCounts)
          + ", bindings +" + bindingCounts[0] + " -" + bindingCounts[1];
      return new Changes(Set.copyOf(changedUsers), rolesChanged, Map.copyOf(disabled), Set.copyOf(enabled),
          Map.copyOf(warnings), summary);
    }

    private static String counts(int[] n) {
      return "+" + n[0] + " ~" + n[1] + " -" + n[2];
    }

    // ---- users

    private record LocalUser(String username, String email, String displayName, String status) {
    }

    private void users(List<RealmSnapshot.RealmUser> realmUsers) throws SQLException {
      Map<String, LocalUser> local = new HashMap<>();
      Sql.query(c, "SELECT id, username, email, display_name, status FROM users WHERE tenant_id = ?", rs -> local.put(
          rs.getString(1), new LocalUser(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5))), tenant);
      Map<String, String> mirrored = mirrored("user");
      Set<String> inRealm = new HashSet<>();
      for (RealmSnapshot.RealmUser u : realmUsers) {
        if (u.id() == null || u.username() == null || u.username().isBlank()) {
          continue;
        }
        inRealm.add(u.id());
        String username = u.username().toLowerCase(Locale.ROOT);
        LocalUser before = local.get(u.id());
        if (username.length() > 128 || u.id().length() > 36) {
          warn("user:" + u.id(), "Keycloak user " + u.id() + " is not mirrored: its username or id is too long "
              + "(at most 128 and 36 characters)");
        } else if (before == null) {
          createUser(u, username);
        } else {
          updateUser(u, username, before, mirrored.containsKey(u.id()));
        }
        if (local.containsKey(u.id())) {
          hereUsers.add(u.id()); // (a user created above is added there)
        }
      }
      for (String id : mirrored.keySet()) {
        LocalUser user = local.get(id);
        if (!inRealm.contains(id) && user != null && "active".equals(user.status())) {
          Sql.execute(c, "user " + id, "UPDATE users SET status = 'disabled', updated_at = ?, version = version + 1 "
              + "WHERE id = ?", Sql.ts(now), id);
          disabled.put(id, "deleted from Keycloak");
          changedUsers.add(id);
        }
      }
    }

    private void createUser(RealmSnapshot.RealmUser u, String username) throws SQLException {
      if (!Sql.query(c, "SELECT tenant_id FROM users WHERE id = ?", rs -> rs.getString(1), u.id()).isEmpty()) {
        warn("user:" + u.id(), "Keycloak user '" + username + "' (" + u.id() + ") is not mirrored: a user of "
            + "another tenant has its id");
        return;
      }
      if (!Sql.query(c, "SELECT id FROM users WHERE username = ?", rs -> rs.getString(1), username).isEmpty()) {
        warn("user:" + u.id(), "Keycloak user '" + username + "' (" + u.id() + ") is not mirrored: a local user "
            + "of that username exists (usernames are unique across tenants; rename one of them)");
        return;
      }
      boolean done = attempt("user:" + u.id(), "Keycloak user '" + username + "' is not mirrored", () -> {
        Sql.execute(c, "user '" + username + "'", "INSERT INTO users (id, tenant_id, username, email, display_name, "
            + "status, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?)", u.id(), tenant,
            username, clip(u.email(), 320), displayName(u, username), u.enabled() ? "active" : "disabled",
            Sql.ts(now), Sql.ts(now));
        markMirrored("user", u.id(), u.id());
      });
      if (done) {
        hereUsers.add(u.id());
        changedUsers.add(u.id()); // an earlier "no such user" may be cached
        userCounts[0]++;
      }
    }

    private void updateUser(RealmSnapshot.RealmUser u, String username, LocalUser before, boolean mirrored)
        throws SQLException {
      if (!mirrored) {
        markMirrored("user", u.id(), u.id());
      }
      String name = before.username();
      if (!username.equals(before.username())) {
        if (Sql.query(c, "SELECT id FROM users WHERE username = ? AND id <> ?", rs -> rs.getString(1), username,
            u.id()).isEmpty()) {
          name = username;
        } else {
          warn("username:" + u.id(), "Keycloak user " + u.id() + " was renamed to '" + username + "', which a "
              + "local user has: it keeps the name '" + before.username() + "' here");
        }
      }
      LocalUser after = new LocalUser(name, clip(u.email(), 320), displayName(u, username),
          u.enabled() ? "active" : "disabled");
      if (after.equals(before)) {
        return;
      }
      String finalName = name;
      boolean done = attempt("user:" + u.id(), "Keycloak user '" + username + "' is not updated", () ->
          Sql.execute(c, "user '" + finalName + "'", "UPDATE users SET username = ?, email = ?, display_name = ?, "
              + "status = ?, updated_at = ?, version = version + 1 WHERE id = ?", after.username(), after.email(),
              after.displayName(), after.status(), Sql.ts(now), u.id()));
      if (!done) {
        return;
      }
      userCounts[1]++;
      changedUsers.add(u.id());
      if ("active".equals(before.status()) && !u.enabled()) {
        disabled.put(u.id(), "disabled in Keycloak");
      } else if (!"active".equals(before.status()) && u.enabled()) {
        enabled.add(u.id());
      }
    }

    private static String displayName(RealmSnapshot.RealmUser u, String username) {
      return clip(u.displayName() == null ? username : u.displayName(), 200);
    }

    /** Links every mirrored user to the providers that sign in against the realm (subject = Keycloak id). */
    private void links(Set<String> oidcProviders) throws SQLException {
      for (String provider : oidcProviders) {
        Set<String> linked = new HashSet<>(Sql.query(c, "SELECT subject FROM external_identities "
            + "WHERE provider_id = ?", rs -> rs.getString(1), provider));
        for (String user : hereUsers) {
          if (!linked.contains(user)) {
            attempt("link:" + provider + ":" + user, "Keycloak user " + user + " is not linked to provider '"
                + provider + "'", () -> Sql.execute(c, "link", "INSERT INTO external_identities (provider_id, "
                + "subject, user_id, created_at) VALUES (?, ?, ?, ?)", provider, user, user, Sql.ts(now)));
          }
        }
      }
    }

    // ---- groups

    private void groups(List<RealmSnapshot.RealmGroup> realmGroups) throws SQLException {
      Map<String, String> local = new HashMap<>(); // id → name
      Sql.query(c, "SELECT id, name FROM user_groups WHERE tenant_id = ?", rs -> local.put(rs.getString(1),
          rs.getString(2)), tenant);
      Map<String, String> mirrored = mirrored("group");
      Set<String> inRealm = new HashSet<>();
      for (RealmSnapshot.RealmGroup g : realmGroups) {
        if (g.id() == null) {
          continue;
        }
        inRealm.add(g.id());
        String name = g.path();
        if (g.id().length() > 36 || name == null || name.isBlank() || name.length() > 128) {
          warn("group:" + g.id(), "Keycloak group " + g.id() + " is not mirrored: its path is empty or longer than "
              + "128 characters");
          if (!local.containsKey(g.id())) {
            continue;
          }
        } else if (!local.containsKey(g.id())) {
          if (local.containsValue(name)) {
            warn("group:" + g.id(), "Keycloak group '" + name + "' is not mirrored: the tenant has a group of that "
                + "name");
            continue;
          }
          boolean done = attempt("group:" + g.id(), "Keycloak group '" + name + "' is not mirrored", () -> {
            Sql.execute(c, "group '" + name + "'", "INSERT INTO user_groups (id, tenant_id, name, created_at) "
                + "VALUES (?, ?, ?, ?)", g.id(), tenant, name, Sql.ts(now));
            markMirrored("group", g.id(), g.id());
          });
          if (!done) {
            continue;
          }
          local.put(g.id(), name);
          groupCounts[0]++;
        } else {
          if (!mirrored.containsKey(g.id())) {
            markMirrored("group", g.id(), g.id());
          }
          if (!name.equals(local.get(g.id()))) {
            if (local.containsValue(name)) {
              warn("groupname:" + g.id(), "Keycloak group " + g.id() + " was renamed to '" + name + "', which "
                  + "another group of the tenant has: it keeps its name here");
            } else if (attempt("group:" + g.id(), "Keycloak group '" + name + "' is not renamed", () ->
                Sql.execute(c, "group '" + name + "'", "UPDATE user_groups SET name = ?, version = version + 1 "
                    + "WHERE id = ?", name, g.id()))) {
              local.put(g.id(), name);
              groupCounts[1]++;
            }
          }
        }
        hereGroups.put(g.id(), members(g));
      }
      for (String id : mirrored.keySet()) {
        if (!inRealm.contains(id) && local.containsKey(id)) {
          changedUsers.addAll(Sql.query(c, "SELECT user_id FROM group_members WHERE group_id = ?",
              rs -> rs.getString(1), id));
          Sql.execute(c, "owned mappings", "DELETE FROM keycloak_owned_mappings WHERE holder_kind = 'group' "
              + "AND holder_id = ?", id);
          Sql.execute(c, "group " + id, "DELETE FROM user_groups WHERE id = ?", id);
          groupCounts[2]++;
        }
        if (!inRealm.contains(id)) {
          Sql.execute(c, "mirror", "DELETE FROM keycloak_mirrored WHERE kind = 'group' AND local_id = ?", id);
        }
      }
    }

    /** Makes the group's members those of the realm who are mirrored here; returns them. */
    private Set<String> members(RealmSnapshot.RealmGroup g) throws SQLException {
      Set<String> wanted = new HashSet<>(g.members());
      wanted.retainAll(hereUsers);
      Set<String> current = new HashSet<>(Sql.query(c, "SELECT user_id FROM group_members WHERE group_id = ?",
          rs -> rs.getString(1), g.id()));
      for (String user : wanted) {
        if (!current.contains(user)) {
          Sql.execute(c, "membership", "INSERT INTO group_members (group_id, user_id) VALUES (?, ?)", g.id(), user);
          changedUsers.add(user);
        }
      }
      for (String user : current) {
        if (!wanted.contains(user)) {
          Sql.execute(c, "membership", "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", g.id(), user);
          changedUsers.add(user);
        }
      }
      return wanted;
    }

    // ---- roles

    private record LocalRole(String id, String name, String description, boolean builtin) {
    }

    private void roles(List<RealmSnapshot.RealmRole> realmRoles) throws SQLException {
      Map<String, LocalRole> byId = new HashMap<>();
      Map<String, LocalRole> byName = new HashMap<>();
      Sql.query(c, "SELECT id, name, description, builtin FROM roles WHERE tenant_id = ?", rs -> {
        LocalRole role = new LocalRole(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4));
        byId.put(role.id(), role);
        byName.put(role.name(), role);
        return null;
      }, tenant);
      Map<String, Set<String>> permissions = new HashMap<>();
      Sql.query(c, "SELECT p.role_id, p.permission FROM role_permissions p JOIN roles r ON r.id = p.role_id "
          + "WHERE r.tenant_id = ?", rs -> permissions.computeIfAbsent(rs.getString(1), k -> new TreeSet<>())
          .add(rs.getString(2)), tenant);
      Map<String, String> mirrored = mirrored("role"); // local id → Keycloak id
      Map<String, String> localByKeycloakId = new HashMap<>();
      mirrored.forEach((local, keycloak) -> localByKeycloakId.put(keycloak, local));
      Set<String> matched = new HashSet<>();
      for (RealmSnapshot.RealmRole r : realmRoles) {
        String name = r.name();
        if (name == null || name.isBlank() || r.id() == null) {
          continue;
        }
        if (name.startsWith(RESERVED_ROLE_PREFIX) || name.length() > 128) {
          warn("role:" + r.id(), "Keycloak role '" + name + "' is not mirrored: " + (name.length() > 128
              ? "its name is longer than 128 characters" : "names starting with '" + RESERVED_ROLE_PREFIX
              + "' belong to the gateway"));
          continue;
        }
        String localId = localByKeycloakId.get(r.id());
        LocalRole before = localId != null ? byId.get(localId) : byName.get(name);
        if (before != null && before.builtin()) {
          // the gateway's admin roles are granted through its admin API only (as no token claim grants them)
          warn("role:" + r.id(), "Keycloak role '" + name + "' is not mirrored: it is a built-in admin role of the "
              + "gateway, granted through its admin API only");
          continue;
        }
        String description = clip(r.description(), 500);
        if (before == null) {
          if (byName.containsKey(name)) {
            warn("role:" + r.id(), "Keycloak role '" + name + "' is not mirrored: the tenant has another role of "
                + "that name");
            continue;
          }
          String id = r.id().length() <= 36 && !byId.containsKey(r.id()) && Sql.query(c, "SELECT id FROM roles "
              + "WHERE id = ?", rs -> rs.getString(1), r.id()).isEmpty() ? r.id() : UUID.randomUUID().toString();
          boolean done = attempt("role:" + r.id(), "Keycloak role '" + name + "' is not mirrored", () -> {
            Sql.execute(c, "role '" + name + "'", "INSERT INTO roles (id, tenant_id, name, description, created_at) "
                + "VALUES (?, ?, ?, ?, ?)", id, tenant, name, description, Sql.ts(now));
            insertPermissions(id, r.permissions());
            markMirrored("role", id, r.id());
          });
          if (done) {
            LocalRole role = new LocalRole(id, name, description, false);
            byId.put(id, role);
            byName.put(name, role);
            roleIds.put(name, id);
            matched.add(id);
            rolesChanged = true;
            roleCounts[0]++;
          }
          continue;
        }
        matched.add(before.id());
        roleIds.put(name, before.id());
        updateRole(r, before, description, permissions.getOrDefault(before.id(), Set.of()),
            mirrored.get(before.id()), byName);
      }
      for (Map.Entry<String, String> m : mirrored.entrySet()) {
        String id = m.getKey();
        if (matched.contains(id)) {
          continue;
        }
        if (byId.containsKey(id)) {
          for (String holder : Sql.query(c, "SELECT user_id FROM role_bindings WHERE role_id = ? AND user_id IS NOT "
              + "NULL UNION SELECT gm.user_id FROM role_bindings b JOIN group_members gm ON gm.group_id = b.group_id "
              + "WHERE b.role_id = ?", rs -> rs.getString(1), id, id)) {
            changedUsers.add(holder);
          }
          Sql.execute(c, "role " + id, "DELETE FROM roles WHERE id = ?", id);
          rolesChanged = true;
          roleCounts[2]++;
        }
        Sql.execute(c, "mirror", "DELETE FROM keycloak_mirrored WHERE kind = 'role' AND local_id = ?", id);
      }
    }

    private void updateRole(RealmSnapshot.RealmRole r, LocalRole before, String description,
        Set<String> permissionsBefore, String mirroredAs, Map<String, LocalRole> byName) throws SQLException {
      if (mirroredAs == null) {
        markMirrored("role", before.id(), r.id());
      } else if (!mirroredAs.equals(r.id())) {
        // the realm's role of this name was deleted and made again
        Sql.execute(c, "mirror", "UPDATE keycloak_mirrored SET keycloak_id = ? WHERE kind = 'role' AND local_id = ?",
            r.id(), before.id());
      }
      String name = before.name();
      if (!r.name().equals(before.name())) {
        if (byName.containsKey(r.name())) {
          warn("rolename:" + r.id(), "Keycloak role '" + before.name() + "' was renamed to '" + r.name()
              + "', which another role of the tenant has: it keeps its name here");
        } else {
          name = r.name();
        }
      }
      Set<String> wanted = new TreeSet<>(r.permissions());
      if (name.equals(before.name()) && Objects.equals(description, before.description())
          && wanted.equals(new TreeSet<>(permissionsBefore))) {
        return;
      }
      String finalName = name;
      if (attempt("role:" + r.id(), "Keycloak role '" + r.name() + "' is not updated", () -> {
        Sql.execute(c, "role '" + finalName + "'", "UPDATE roles SET name = ?, description = ?, "
            + "version = version + 1 WHERE id = ?", finalName, description, before.id());
        Sql.execute(c, "permissions", "DELETE FROM role_permissions WHERE role_id = ?", before.id());
        insertPermissions(before.id(), wanted);
      })) {
        byName.remove(before.name());
        byName.put(finalName, new LocalRole(before.id(), finalName, description, false));
        roleIds.put(r.name(), before.id());
        rolesChanged = true;
        roleCounts[1]++;
      }
    }

    private void insertPermissions(String roleId, Set<String> permissions) throws SQLException {
      for (String permission : permissions) {
        Sql.execute(c, "permission '" + permission + "'", "INSERT INTO role_permissions (role_id, permission) "
            + "VALUES (?, ?)", roleId, permission);
      }
    }

    // ---- bindings

    private record Key(String roleId, Holder holder) {
    }

    private void bindings(List<RealmSnapshot.RealmRole> realmRoles) throws SQLException {
      Map<Key, List<String>> current = new HashMap<>(); // Keycloak's bindings here → their ids
      Sql.query(c, "SELECT b.id, b.role_id, b.user_id, b.group_id FROM role_bindings b JOIN roles r "
          + "ON r.id = b.role_id WHERE r.tenant_id = ? AND b.granted_by = ?", rs -> current.computeIfAbsent(
          new Key(rs.getString(2), holder(rs.getString(3), rs.getString(4))), k -> new ArrayList<>())
          .add(rs.getString(1)), tenant, GRANTED_BY);
      Set<Key> gatewayOwned = new HashSet<>();
      Sql.query(c, "SELECT o.role_id, o.holder_kind, o.holder_id FROM keycloak_owned_mappings o JOIN roles r "
          + "ON r.id = o.role_id WHERE r.tenant_id = ?", rs -> gatewayOwned.add(new Key(rs.getString(1),
          new Holder("group".equals(rs.getString(2)) ? Holder.Kind.GROUP : Holder.Kind.USER, rs.getString(3)))),
          tenant);
      Sql.query(c, "SELECT b.role_id, b.user_id, b.group_id FROM role_bindings b JOIN roles r ON r.id = b.role_id "
          + "WHERE r.tenant_id = ? AND b.granted_by <> ? AND (b.valid_until IS NULL OR b.valid_until > ?)",
          rs -> gatewayOwned.add(new Key(rs.getString(1), holder(rs.getString(2), rs.getString(3)))), tenant,
          GRANTED_BY, Sql.ts(now));
      Set<Key> wanted = new LinkedHashSet<>();
      for (RealmSnapshot.RealmRole r : realmRoles) {
        String roleId = roleIds.get(r.name());
        if (roleId == null) {
          continue;
        }
        for (String user : r.userIds()) {
          if (hereUsers.contains(user)) {
            wanted.add(new Key(roleId, Holder.user(user)));
          }
        }
        for (String group : r.groupIds()) {
          if (hereGroups.containsKey(group)) {
            wanted.add(new Key(roleId, Holder.group(group)));
          }
        }
      }
      for (Key key : wanted) {
        if (current.containsKey(key) || gatewayOwned.contains(key)) {
          continue;
        }
        Sql.execute(c, "role binding", "INSERT INTO role_bindings (id, role_id, user_id, group_id, valid_from, "
            + "valid_until, reason, granted_by, created_at) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?)",
            UUID.randomUUID().toString(), key.roleId(), key.holder().kind() == Holder.Kind.USER ? key.holder().id()
            : null, key.holder().kind() == Holder.Kind.GROUP ? key.holder().id() : null,
            "realm role mapping in Keycloak", GRANTED_BY, Sql.ts(now));
        affected(key.holder());
        bindingCounts[0]++;
      }
      for (Map.Entry<Key, List<String>> e : current.entrySet()) {
        List<String> ids = e.getValue();
        // one binding per mapping: the extra ones (none unless two syncs raced) go too
        for (int i = wanted.contains(e.getKey()) ? 1 : 0; i < ids.size(); i++) {
          Sql.execute(c, "role binding", "DELETE FROM role_bindings WHERE id = ?", ids.get(i));
          affected(e.getKey().holder());
          bindingCounts[1]++;
        }
      }
    }

    private void affected(Holder holder) throws SQLException {
      if (holder.kind() == Holder.Kind.USER) {
        changedUsers.add(holder.id());
      } else {
        changedUsers.addAll(Sql.query(c, "SELECT user_id FROM group_members WHERE group_id = ?",
            rs -> rs.getString(1), holder.id()));
      }
    }

    private static Holder holder(String userId, String groupId) {
      return userId != null ? Holder.user(userId) : Holder.group(groupId);
    }

    // ---- plumbing

    /** Local id → Keycloak id of what this tenant mirrors of a kind. */
    private Map<String, String> mirrored(String kind) throws SQLException {
      Map<String, String> out = new HashMap<>();
      Sql.query(c, "SELECT local_id, keycloak_id FROM keycloak_mirrored WHERE tenant_id = ? AND kind = ?",
          rs -> out.put(rs.getString(1), rs.getString(2)), tenant, kind);
      return out;
    }

    private void markMirrored(String kind, String localId, String keycloakId) throws SQLException {
      // a row left from an object deleted here meanwhile is replaced
      Sql.execute(c, "mirror", "DELETE FROM keycloak_mirrored WHERE kind = ? AND local_id = ?", kind, localId);
      Sql.execute(c, "mirror", "INSERT INTO keycloak_mirrored (kind, local_id, tenant_id, keycloak_id) "
          + "VALUES (?, ?, ?, ?)", kind, localId, tenant, keycloakId);
    }

    @FunctionalInterface
    private interface Step {
      void run() throws SQLException;
    }

    /**
     * Runs one object's statements under a savepoint: a rule of the store they break (a name taken
     * meanwhile) undoes them alone and becomes a warning, and the rest of the realm is mirrored.
     */
    private boolean attempt(String key, String what, Step step) throws SQLException {
      Savepoint savepoint = c.setSavepoint();
      try {
        step.run();
        c.releaseSavepoint(savepoint);
        return true;
      } catch (IamException e) {
        if (e.kind() == IamException.Kind.UNAVAILABLE) {
          throw e;
        }
        c.rollback(savepoint);
        warn(key, what + ": " + e.getMessage());
        return false;
      }
    }

    private void warn(String key, String message) {
      warnings.put(key, message);
    }
  }

  private static String clip(String value, int max) {
    return value == null || value.length() <= max ? value : value.substring(0, max);
  }
}
