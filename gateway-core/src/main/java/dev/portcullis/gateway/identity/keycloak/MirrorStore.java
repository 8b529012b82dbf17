package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.store.IamException;
import dev.portcullis.gateway.identity.store.Sql;

import javax.sql.DataSource;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the write-through and the expiry sweep ask the IAM store about the mirror: whether a user,
 * group or role belongs to the realm, which bindings hold a role, and the role mappings the gateway
 * wrote to Keycloak (keycloak_owned_mappings; see V7). Blocking: call it on a worker.
 */
public final class MirrorStore {

  private final DataSource db;

  public MirrorStore(DataSource db) {
    this.db = db;
  }

  /**
   * A mapping the gateway wrote to Keycloak for bindings granted through it, needed until
   * {@code validUntil} (null: until those bindings are deleted).
   */
  public record Owned(String roleId, String roleName, Holder holder, Instant validUntil, Instant createdAt) {
  }

  /**
   * How long live bindings granted in the gateway hold a role: {@code any} false when none does;
   * otherwise until {@code until} (null: without end).
   */
  public record Cover(boolean any, Instant until) {
    public static final Cover NONE = new Cover(false, null);
  }

  /** Whether the user or group was mirrored from the realm (else it is the gateway's own). */
  public boolean mirrored(Holder holder) {
    return count("SELECT COUNT(*) FROM keycloak_mirrored WHERE kind = ? AND local_id = ?", holder.kind().column(),
        holder.id()) > 0;
  }

  /** Whether the role is one of the gateway's built-in roles (never written to Keycloak). */
  public boolean builtin(String roleId) {
    return count("SELECT COUNT(*) FROM roles WHERE id = ? AND builtin = TRUE", roleId) > 0;
  }

  /** Whether a binding mirroring a Keycloak mapping of the role to the holder exists (other than {@code except}). */
  public boolean keycloakBinding(String roleId, Holder holder, String except) {
    return count("SELECT COUNT(*) FROM role_bindings WHERE role_id = ? AND " + column(holder) + " = ? "
        + "AND granted_by = ? AND id <> ?", roleId, holder.id(), RealmMirror.GRANTED_BY, except == null ? "" : except)
        > 0;
  }

  /**
   * How long bindings granted in the gateway (other than {@code except}) and in force now give the holder
   * the role. One that has not started yet needs no mapping: the sweep writes it when it starts.
   */
  public Cover cover(String roleId, Holder holder, String except, Instant now) {
    List<Instant> ends = query("SELECT valid_until FROM role_bindings WHERE role_id = ? AND " + column(holder)
        + " = ? AND granted_by <> ? AND id <> ? AND (valid_until IS NULL OR valid_until > ?) "
        + "AND (valid_from IS NULL OR valid_from <= ?)",
        rs -> Sql.instant(rs, 1), roleId, holder.id(), RealmMirror.GRANTED_BY, except == null ? "" : except,
        Sql.ts(now), Sql.ts(now));
    if (ends.isEmpty()) {
      return Cover.NONE;
    }
    return new Cover(true, ends.contains(null) ? null : ends.stream().max(Instant::compareTo).orElseThrow());
  }

  public Optional<Owned> owned(String roleId, Holder holder) {
    return Sql.first(query(OWNED + "WHERE o.role_id = ? AND o.holder_kind = ? AND o.holder_id = ?", MirrorStore::owned,
        roleId, holder.kind().column(), holder.id()));
  }

  /** A realm role a holder was granted here by a binding that has started, without a mapping yet. */
  public record Started(String roleId, String roleName, Holder holder) {
  }

  /**
   * Scheduled bindings granted in the gateway ({@code validFrom} set) that are in force now, of the
   * tenant's realm roles to mirrored users and groups, whose mapping the gateway has not written yet
   * (and Keycloak does not hold on its own).
   */
  public List<Started> startedWithoutMapping(String tenantId, Instant now) {
    String sql = "SELECT DISTINCT r.id, r.name, m.kind, m.local_id FROM role_bindings b "
        + "JOIN roles r ON r.id = b.role_id "
        + "JOIN keycloak_mirrored m ON (m.kind = 'user' AND m.local_id = b.user_id) "
        + "OR (m.kind = 'group' AND m.local_id = b.group_id) "
        + "WHERE r.tenant_id = ? AND r.builtin = FALSE AND r.name NOT LIKE ? AND b.granted_by <> ? "
        + "AND b.valid_from IS NOT NULL AND b.valid_from <= ? AND (b.valid_until IS NULL OR b.valid_until > ?) "
        + "AND NOT EXISTS (SELECT 1 FROM keycloak_owned_mappings o WHERE o.role_id = r.id "
        + "AND o.holder_kind = m.kind AND o.holder_id = m.local_id) "
        + "AND NOT EXISTS (SELECT 1 FROM role_bindings k WHERE k.role_id = r.id AND k.granted_by = ? "
        + "AND ((m.kind = 'user' AND k.user_id = m.local_id) OR (m.kind = 'group' AND k.group_id = m.local_id)))";
    return query(sql, rs -> new Started(rs.getString(1), rs.getString(2), "group".equals(rs.getString(3))
        ? Holder.group(rs.getString(4)) : Holder.user(rs.getString(4))), tenantId,
        RealmMirror.RESERVED_ROLE_PREFIX + "%", RealmMirror.GRANTED_BY, Sql.ts(now), Sql.ts(now),
        RealmMirror.GRANTED_BY);
  }

  /** Every mapping the gateway owns for roles of the tenant. */
  public List<Owned> owned(String tenantId) {
    return query(OWNED + "WHERE r.tenant_id = ?", MirrorStore::owned, tenantId);
  }

  /**
   * Records that the gateway wrote the mapping for a binding valid until {@code validUntil} (null:
   * without end), keeping the longer of that and what was recorded already. Returns what was
   * recorded before, for {@link #restore}.
   */
  public Optional<Owned> own(String roleId, Holder holder, Instant validUntil, Instant now) {
    Optional<Owned> before = owned(roleId, holder);
    if (before.isEmpty()) {
      try {
        update("INSERT INTO keycloak_owned_mappings (role_id, holder_kind, holder_id, valid_until, created_at) "
            + "VALUES (?, ?, ?, ?, ?)", roleId, holder.kind().column(), holder.id(), Sql.ts(validUntil), Sql.ts(now));
        return before;
      } catch (IamException e) {
        if (e.kind() != IamException.Kind.CONFLICT) {
          throw e;
        }
        return own(roleId, holder, validUntil, now); // recorded meanwhile by another instance
      }
    }
    Instant until = before.get().validUntil();
    if (until != null) {
      setUntil(roleId, holder, validUntil == null || validUntil.isAfter(until) ? validUntil : until);
    }
    return before;
  }

  /** Sets how long the gateway needs the mapping (null: without end). */
  public void setUntil(String roleId, Holder holder, Instant validUntil) {
    update("UPDATE keycloak_owned_mappings SET valid_until = ? WHERE role_id = ? AND holder_kind = ? "
        + "AND holder_id = ?", Sql.ts(validUntil), roleId, holder.kind().column(), holder.id());
  }

  /** Puts back what {@link #own} found (after the write to Keycloak failed). */
  public void restore(String roleId, Holder holder, Optional<Owned> before) {
    if (before.isEmpty()) {
      release(roleId, holder);
    } else {
      setUntil(roleId, holder, before.get().validUntil());
    }
  }

  /** Forgets the mapping (it was removed from Keycloak, or Keycloak holds it on its own). */
  public void release(String roleId, Holder holder) {
    update("DELETE FROM keycloak_owned_mappings WHERE role_id = ? AND holder_kind = ? AND holder_id = ?", roleId,
        holder.kind().column(), holder.id());
  }

  private static final String OWNED = "SELECT o.role_id, r.name, o.holder_kind, o.holder_id, o.valid_until, "
      + "o.created_at FROM keycloak_owned_mappings o JOIN roles r ON r.id = o.role_id ";

  private static Owned owned(ResultSet rs) throws SQLException {
    Holder holder = "group".equals(rs.getString(3)) ? Holder.group(rs.getString(4)) : Holder.user(rs.getString(4));
    return new Owned(rs.getString(1), rs.getString(2), holder, Sql.instant(rs, 5), Sql.instant(rs, 6));
  }

  private static String column(Holder holder) {
    return holder.kind() == Holder.Kind.USER ? "user_id" : "group_id";
  }

  private long count(String sql, Object... params) {
    return query(sql, rs -> rs.getLong(1), params).get(0);
  }

  private <T> List<T> query(String sql, Sql.Row<T> row, Object... params) {
    return Sql.withConnection(db, "Keycloak mirror", c -> Sql.query(c, sql, row, params));
  }

  private void update(String sql, Object... params) {
    Sql.withConnection(db, "Keycloak role mapping", c -> Sql.execute(c, "Keycloak role mapping", sql, params));
  }
}
