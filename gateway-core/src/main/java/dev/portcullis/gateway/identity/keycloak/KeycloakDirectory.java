package dev.portcullis.gateway.identity.keycloak;

import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.GroupRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Reads a realm through the admin API, page by page: users (id, username, email, name, enabled),
 * groups with their subgroups and members, realm roles with their {@value Permissions#ATTRIBUTE}
 * attribute and the users and groups each is mapped to directly. Composite roles are not expanded.
 * Blocking: call it on a worker. A failure is an IamException (see KeycloakConnection).
 */
public final class KeycloakDirectory implements RealmReader {

  private static final Logger LOG = LoggerFactory.getLogger(KeycloakDirectory.class);
  static final int PAGE = 100;

  private final KeycloakConnection keycloak;

  public KeycloakDirectory(KeycloakConnection keycloak) {
    this.keycloak = keycloak;
  }

  @Override
  public RealmSnapshot read() {
    List<RealmSnapshot.RealmUser> users = new ArrayList<>();
    for (UserRepresentation u : pages("the realm's users", (r, first) -> r.users().list(first, PAGE))) {
      users.add(new RealmSnapshot.RealmUser(u.getId(), u.getUsername(), u.getEmail(),
          displayName(u.getFirstName(), u.getLastName()), Boolean.TRUE.equals(u.isEnabled())));
    }
    List<RealmSnapshot.RealmGroup> groups = new ArrayList<>();
    for (GroupRepresentation top : pages("the realm's groups", (r, first) -> r.groups().groups(null, first, PAGE,
        false))) {
      group(top, "", groups);
    }
    List<RealmSnapshot.RealmRole> roles = new ArrayList<>();
    for (RoleRepresentation role : pages("the realm's roles", (r, first) -> r.roles().list(first, PAGE, false))) {
      roles.add(role(role));
    }
    return new RealmSnapshot(users, groups, roles);
  }

  /** Adds the group and its subgroups; returns everyone in it or below it. */
  private Set<String> group(GroupRepresentation g, String parentPath, List<RealmSnapshot.RealmGroup> out) {
    String path = g.getPath() != null ? strip(g.getPath()) : parentPath.isEmpty() ? g.getName()
        : parentPath + "/" + g.getName();
    Set<String> members = new LinkedHashSet<>();
    for (UserRepresentation u : pages("members of group '" + path + "'", (r, first) -> r.groups().group(g.getId())
        .members(first, PAGE, true))) {
      members.add(u.getId());
    }
    if (g.getSubGroupCount() == null || g.getSubGroupCount() > 0) {
      for (GroupRepresentation child : pages("subgroups of group '" + path + "'", (r, first) -> r.groups()
          .group(g.getId()).getSubGroups(first, PAGE, false))) {
        members.addAll(group(child, path, out));
      }
    }
    out.add(new RealmSnapshot.RealmGroup(g.getId(), path, members));
    return members;
  }

  private RealmSnapshot.RealmRole role(RoleRepresentation role) {
    String name = role.getName();
    Map<String, List<String>> attributes = role.getAttributes();
    List<String> rejected = new ArrayList<>();
    Set<String> permissions = Permissions.parse(attributes == null ? null : attributes.get(Permissions.ATTRIBUTE),
        rejected);
    if (!rejected.isEmpty()) {
      LOG.debug("Keycloak role '{}': ignored malformed permissions {}", name, rejected);
    }
    Set<String> users = new HashSet<>();
    for (UserRepresentation u : pages("holders of role '" + name + "'", (r, first) -> r.roles().get(name)
        .getUserMembers(true, first, PAGE))) {
      users.add(u.getId());
    }
    Set<String> groups = new HashSet<>();
    for (GroupRepresentation g : pages("groups holding role '" + name + "'", (r, first) -> r.roles().get(name)
        .getRoleGroupMembers(first, PAGE))) {
      groups.add(g.getId());
    }
    return new RealmSnapshot.RealmRole(role.getId(), name, role.getDescription(), permissions, users, groups);
  }

  /** Every page of a listing, each page one call (retried on its own). */
  private <T> List<T> pages(String what, BiFunction<RealmResource, Integer, Collection<T>> page) {
    List<T> out = new ArrayList<>();
    for (int first = 0; ; first += PAGE) {
      int from = first;
      Collection<T> items = keycloak.read(what, r -> page.apply(r, from));
      if (items == null) {
        return out;
      }
      out.addAll(items);
      if (items.size() < PAGE) {
        return out;
      }
    }
  }

  private static String strip(String path) {
    return path.startsWith("/") ? path.substring(1) : path;
  }

  private static String displayName(String first, String last) {
    String name = ((first == null ? "" : first.trim()) + " " + (last == null ? "" : last.trim())).trim();
    return name.isEmpty() ? null : name;
  }
}
