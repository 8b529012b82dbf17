package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.store.IamException;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes to Keycloak the role mappings of scheduled bindings granted in the gateway once they start,
 * and removes the role mappings the gateway wrote that no binding granted in it needs any more: a
 * timed binding's after it expired (so that Keycloak-aware applications stop seeing the role too),
 * or one whose binding never came to be. A mapping Keycloak also holds on its own (a
 * binding granted by {@value RealmMirror#GRANTED_BY}) stays there. Idempotent: a removal that fails
 * is tried again at the next round. Blocking: call it on a worker.
 */
public final class MappingSweep {

  /** How long a recorded mapping may wait for the binding it was written for to be stored. */
  static final Duration ORPHAN_GRACE = Duration.ofMinutes(2);

  private final MirrorStore store;
  private final RealmWriter realm;
  /**
   * Started mappings whose write failed in a way Keycloak may or may not have applied: recorded as
   * the gateway's (so never imported as Keycloak's own), and written again each round until
   * Keycloak confirms (adding a mapping it has is harmless). Kept in memory: after a restart such a
   * mapping may stay missing from Keycloak, which hides the role from Keycloak-aware applications
   * but never grants it.
   */
  private final java.util.Set<MirrorStore.Started> uncertain = java.util.concurrent.ConcurrentHashMap.newKeySet();

  MappingSweep(MirrorStore store, RealmWriter realm) {
    this.store = store;
    this.realm = realm;
  }

  /** @param failures mappings that could not be written or removed, by a stable key, with why */
  public record Result(int added, int removed, Map<String, String> failures) {
  }

  Result sweep(String tenantId, Instant now) {
    int removed = 0;
    Map<String, String> failures = new LinkedHashMap<>();
    int added = addStarted(tenantId, now, failures);
    for (MirrorStore.Owned owned : store.owned(tenantId)) {
      if (store.keycloakBinding(owned.roleId(), owned.holder(), null)) {
        store.release(owned.roleId(), owned.holder()); // Keycloak holds it on its own
        continue;
      }
      MirrorStore.Cover cover = store.cover(owned.roleId(), owned.holder(), null, now);
      if (cover.any()) {
        if (!Objects.equals(cover.until(), owned.validUntil())) {
          store.setUntil(owned.roleId(), owned.holder(), cover.until());
        }
        continue;
      }
      boolean expired = owned.validUntil() != null && !owned.validUntil().isAfter(now);
      boolean orphaned = owned.createdAt().isBefore(now.minus(ORPHAN_GRACE));
      if (!expired && !orphaned) {
        continue;
      }
      try {
        realm.removeMapping(owned.roleName(), owned.holder());
        store.release(owned.roleId(), owned.holder());
        removed++;
      } catch (IamException e) {
        // when Keycloak is down the breaker soon fails the rest at once
        failures.put("sweep:" + owned.roleId() + ":" + owned.holder(), "the mapping of role '" + owned.roleName()
            + "' to " + owned.holder() + " is not removed from Keycloak yet: " + e.getMessage());
      }
    }
    return new Result(added, removed, failures);
  }

  /**
   * Whether Keycloak may have made a write that failed: a timeout or a server error can come after
   * the change. Then the gateway keeps its record of the mapping, so that a mapping Keycloak did
   * write is never taken for Keycloak's own (a binding without end) by the next mirror round.
   */
  static boolean mayHaveApplied(RuntimeException e) {
    return !(e instanceof IamException iam) || iam.kind() == IamException.Kind.UNAVAILABLE;
  }

  /** Writes the mappings of scheduled bindings that have started since the last round. */
  private int addStarted(String tenantId, Instant now, Map<String, String> failures) {
    int added = 0;
    java.util.Set<MirrorStore.Started> due = new java.util.LinkedHashSet<>(uncertain);
    due.addAll(store.startedWithoutMapping(tenantId, now));
    for (MirrorStore.Started started : due) {
      MirrorStore.Cover cover = store.cover(started.roleId(), started.holder(), null, now);
      if (!cover.any()) {
        uncertain.remove(started); // its binding ended or went meanwhile: the removal pass below handles it
        continue;
      }
      // recorded first, as at a binding's creation: the sync must not import it as Keycloak's own
      var before = store.own(started.roleId(), started.holder(), cover.until(), now);
      try {
        realm.addMapping(started.roleName(), started.holder());
        uncertain.remove(started);
        added++;
      } catch (IamException e) {
        if (mayHaveApplied(e)) {
          uncertain.add(started); // the record stays: a mapping Keycloak did write is never taken for its own
        } else {
          store.restore(started.roleId(), started.holder(), before);
        }
        failures.put("start:" + started.roleId() + ":" + started.holder(), "the mapping of role '"
            + started.roleName() + "' to " + started.holder() + " is not written to Keycloak yet: " + e.getMessage());
      }
    }
    return added;
  }
}
