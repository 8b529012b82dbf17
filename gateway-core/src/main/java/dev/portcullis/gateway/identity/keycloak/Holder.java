package dev.portcullis.gateway.identity.keycloak;

import dev.portcullis.gateway.identity.store.RoleBinding;

import java.util.Locale;

/** Who holds a realm role mapping: a user or a group, by id (the same id here and in Keycloak). */
public record Holder(Kind kind, String id) {

  public enum Kind {
    USER, GROUP;

    /** As stored in the mirror tables: {@code user}, {@code group}. */
    String column() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static Holder user(String id) {
    return new Holder(Kind.USER, id);
  }

  public static Holder group(String id) {
    return new Holder(Kind.GROUP, id);
  }

  /** The holder of a binding (exactly one of user and group is set). */
  public static Holder of(RoleBinding binding) {
    return binding.userId() != null ? user(binding.userId()) : group(binding.groupId());
  }

  @Override
  public String toString() {
    return kind.column() + " " + id;
  }
}
