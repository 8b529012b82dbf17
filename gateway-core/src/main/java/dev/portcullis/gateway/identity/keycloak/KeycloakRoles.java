package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.store.IamException;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.admin.client.resource.RoleScopeResource;
import org.keycloak.representations.idm.RoleRepresentation;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Realm roles and role mappings written through the admin API: a role's description and its
 * {@value Permissions#ATTRIBUTE} attribute (other attributes are kept), and the mapping of a realm
 * role to a user or a group. Blocking: call it on a worker.
 */
public final class KeycloakRoles implements RealmWriter {

  private final KeycloakConnection keycloak;

  public KeycloakRoles(KeycloakConnection keycloak) {
    this.keycloak = keycloak;
  }

  @Override
  public void createRole(String name, String description, Set<String> permissions) {
    RoleRepresentation role = new RoleRepresentation(name, description, false);
    role.setAttributes(new HashMap<>(Map.of(Permissions.ATTRIBUTE, Permissions.attribute(permissions))));
    keycloak.change(role(name), r -> r.roles().create(role));
  }

  @Override
  public void updateRole(String currentName, String name, String description, Set<String> permissions) {
    RoleRepresentation role;
    try {
      role = keycloak.read(role(currentName), r -> r.roles().get(currentName).toRepresentation());
    } catch (IamException e) {
      if (e.kind() != IamException.Kind.NOT_FOUND) {
        throw e;
      }
      createRole(name, description, permissions); // made here before the realm had it: give it to the realm
      return;
    }
    Map<String, List<String>> attributes = role.getAttributes() == null ? new HashMap<>()
        : new HashMap<>(role.getAttributes());
    attributes.put(Permissions.ATTRIBUTE, Permissions.attribute(permissions));
    role.setAttributes(attributes);
    role.setName(name);
    role.setDescription(description);
    keycloak.change(role(currentName), r -> r.roles().get(currentName).update(role));
  }

  @Override
  public void deleteRole(String name) {
    try {
      keycloak.change(role(name), r -> r.roles().deleteRole(name));
    } catch (IamException e) {
      if (e.kind() != IamException.Kind.NOT_FOUND) {
        throw e;
      }
    }
  }

  @Override
  public void addMapping(String roleName, Holder holder) {
    RoleRepresentation role = keycloak.read(role(roleName), r -> r.roles().get(roleName).toRepresentation());
    keycloak.change(holder.toString(), r -> mappings(r, holder).add(List.of(role)));
  }

  @Override
  public void removeMapping(String roleName, Holder holder) {
    try {
      RoleRepresentation role = keycloak.read(role(roleName), r -> r.roles().get(roleName).toRepresentation());
      keycloak.change(holder.toString(), r -> mappings(r, holder).remove(List.of(role)));
    } catch (IamException e) {
      if (e.kind() != IamException.Kind.NOT_FOUND) {
        throw e;
      }
    }
  }

  private static RoleScopeResource mappings(RealmResource realm, Holder holder) {
    return holder.kind() == Holder.Kind.USER ? realm.users().get(holder.id()).roles().realmLevel()
        : realm.groups().group(holder.id()).roles().realmLevel();
  }

  private static String role(String name) {
    return "role '" + name + "'";
  }
}
