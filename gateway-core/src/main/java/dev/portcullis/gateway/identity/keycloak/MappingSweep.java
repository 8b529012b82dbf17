package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.store.IamException;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes to Keycloak the role mappings of scheduled bindings granted in the gateway once they start,
 * and removes the role mappings the gateway wrote that no binding granted in it needs any more: a timed binding's after it expired (so that Keycloak-aware applications stop seeing the
 * role too), or one whose binding never came to be. A mapping Keycloak also holds on its own (a
 * binding granted by {@value RealmMirror#GRANTED_BY}) stays there. Idempotent: a removal that fails
 * is tried again at the next round. Blocking: call it on a worker.
 */
public final class MappingSweep {

  /** How long a recorded mapping may wait for the binding it was written for to be stored. */
  static final Duration ORPHAN_GRACE = Duration.ofMinutes(2);

  private final MirrorStore store;
  private final RealmWriter realm;

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

  /** Writes the mappings of scheduled bindings that have started since the last round. */
  private int addStarted(String tenantId, Instant now, Map<String, String> failures) {
    int added = 0;
    for (MirrorStore.Started started : store.startedWithoutMapping(tenantId, now)) {
      MirrorStore.Cover cover = store.cover(started.roleId(), started.holder(), null, now);
      // recorded first, as at a binding's creation: the sync must not import it as Keycloak's own
      var before = store.own(started.roleId(), started.holder(), cover.until(), now);
      try {
        realm.addMapping(started.roleName(), started.holder());
        added++;
      } catch (IamException e) {
        store.restore(started.roleId(), started.holder(), before);
        failures.put("start:" + started.roleId() + ":" + started.holder(), "the mapping of role '"
            + started.roleName() + "' to " + started.holder() + " is not written to Keycloak yet: " + e.getMessage());
      }
    }
    return added;
  }
}
