package dev.portcullis.gateway.identity.keycloak;

import java.util.Set;

/**
 * The changes the gateway makes to the realm (KeycloakRoles; a fake in tests). Blocking; a refusal
 * is an IamException (UNAVAILABLE, CONFLICT, NOT_FOUND, INVALID).
 */
public interface RealmWriter {

  void createRole(String name, String description, Set<String> permissions);

  /** Renames the role {@code currentName} to {@code name} if they differ; creates it if Keycloak lacks it. */
  void updateRole(String currentName, String name, String description, Set<String> permissions);

  /** Deletes the role; nothing to do when Keycloak has none of that name. */
  void deleteRole(String name);

  /** Maps the realm role to the user or group (nothing changes when it already is). */
  void addMapping(String roleName, Holder holder);

  /** Removes the mapping; nothing to do when the role, the holder or the mapping is gone already. */
  void removeMapping(String roleName, Holder holder);
}
