package dev.portcullis.gateway.identity.keycloak;

import java.util.List;
import java.util.Set;

/**
 * What the gateway mirrors of a Keycloak realm at one moment, in its own terms: users, groups with
 * their members, and realm roles with their permissions and direct holders. Read by
 * KeycloakDirectory, applied to the IAM store by MirrorStore.
 */
public record RealmSnapshot(List<RealmUser> users, List<RealmGroup> groups, List<RealmRole> roles) {

  public RealmSnapshot {
    users = List.copyOf(users);
    groups = List.copyOf(groups);
    roles = List.copyOf(roles);
  }

  /** @param displayName first and last name, or null when Keycloak has neither */
  public record RealmUser(String id, String username, String email, String displayName, boolean enabled) {
  }

  /**
   * @param path    the group's path without the leading slash ({@code staff}, {@code eng/admins}): the
   *                local group's name, unique in the realm as names of subgroups are not
   * @param members the direct members and those of every subgroup (who inherit the group's role
   *                mappings in Keycloak)
   */
  public record RealmGroup(String id, String path, Set<String> members) {
    public RealmGroup {
      members = Set.copyOf(members);
    }
  }

  /**
   * @param permissions from the role attribute {@value Permissions#ATTRIBUTE}
   * @param userIds     users the role is mapped to directly
   * @param groupIds    groups the role is mapped to
   */
  public record RealmRole(String id, String name, String description, Set<String> permissions, Set<String> userIds,
      Set<String> groupIds) {
    public RealmRole {
      permissions = Set.copyOf(permissions);
      userIds = Set.copyOf(userIds);
      groupIds = Set.copyOf(groupIds);
    }
  }
}
