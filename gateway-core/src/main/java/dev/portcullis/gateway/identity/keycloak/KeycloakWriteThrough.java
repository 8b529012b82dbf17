package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.IamWriteThrough;
import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.RoleBinding;

import java.time.Clock;
import java.util.Optional;

/**
 * Role and binding changes made through the admin API, written to the Keycloak realm before the
 * local store changes (see IamWriteThrough): a role of the realm's tenant is a realm role
 * (description and {@value Permissions#ATTRIBUTE}); a binding of such a role to a mirrored user or
 * group is a realm role mapping. A timed binding's mapping is written too and recorded as the
 * gateway's (MirrorStore), so that the sync does not import it as Keycloak's own and the sweep
 * removes it once the binding has expired; a binding that starts later is written by the sweep when it
 * starts. Left alone: roles and bindings of other tenants, the
 * gateway's built-in and {@code route-approval:} roles, and bindings of the tenant's users and groups
 * that do not come from the realm. A refusal leaves the local store as it was. Runs on a worker.
 */
public final class KeycloakWriteThrough implements IamWriteThrough {

  private final String tenantId;
  private final RealmWriter realm;
  private final MirrorStore store;
  private final Clock clock;

  public KeycloakWriteThrough(String tenantId, RealmWriter realm, MirrorStore store, Clock clock) {
    this.tenantId = tenantId;
    this.realm = realm;
    this.store = store;
    this.clock = clock;
  }

  @Override
  public boolean managesUsers() {
    return true;
  }

  @Override
  public String sourceName() {
    return "Keycloak";
  }

  @Override
  public void roleCreated(Role role) {
    if (realms(role)) {
      realm.createRole(role.name(), role.description(), role.permissions());
    }
  }

  @Override
  public void roleUpdated(Role before, Role after) {
    if (realms(before)) {
      realm.updateRole(before.name(), after.name(), after.description(), after.permissions());
    }
  }

  @Override
  public void roleDeleted(Role role) {
    if (realms(role)) {
      realm.deleteRole(role.name());
    }
  }

  @Override
  public void bindingCreated(RoleBinding binding, Role role) {
    Holder holder = Holder.of(binding);
    if (!realms(role) || !store.mirrored(holder)) {
      return;
    }
    if (binding.validFrom() != null && binding.validFrom().isAfter(clock.instant())) {
      return; // Keycloak-aware applications must not see it early: the sweep writes it once it starts
    }
    if (store.keycloakBinding(role.id(), holder, null)) {
      realm.addMapping(role.name(), holder); // Keycloak holds it on its own (and keeps it)
      return;
    }
    // recorded first: a sync between the write and the local binding must not import it as Keycloak's
    Optional<MirrorStore.Owned> before = store.own(role.id(), holder, binding.validUntil(), clock.instant());
    try {
      realm.addMapping(role.name(), holder);
    } catch (RuntimeException e) {
      if (!MappingSweep.mayHaveApplied(e)) {
        store.restore(role.id(), holder, before);
      } // else the record stays: an orphan the sweep removes from Keycloak, never imported as Keycloak's own
      throw e;
    }
  }

  @Override
  public void bindingDeleted(RoleBinding binding, Role role) {
    Holder holder = Holder.of(binding);
    if (!realms(role) || !store.mirrored(holder)) {
      return;
    }
    MirrorStore.Cover rest = store.cover(role.id(), holder, binding.id(), clock.instant());
    boolean keycloakOwn = !RealmMirror.GRANTED_BY.equals(binding.grantedBy())
        && store.keycloakBinding(role.id(), holder, binding.id());
    if (keycloakOwn) {
      return; // the mapping is Keycloak's own; the sweep forgets the gateway's record of it
    }
    if (rest.any()) {
      // other bindings granted here still need the mapping: the gateway keeps it as long as they last
      if (store.owned(role.id(), holder).isEmpty()) {
        store.own(role.id(), holder, rest.until(), clock.instant());
      } else {
        store.setUntil(role.id(), holder, rest.until());
      }
      return;
    }
    realm.removeMapping(role.name(), holder);
    store.release(role.id(), holder);
  }

  /** Whether the role lives in the realm: the realm's tenant, and not one of the gateway's own. */
  private boolean realms(Role role) {
    return tenantId.equals(role.tenantId()) && !role.name().startsWith(RealmMirror.RESERVED_ROLE_PREFIX)
        && (role.id() == null || !store.builtin(role.id()));
  }
}
