package dev.portcullis.gateway.identity;

import dev.portcullis.gateway.identity.store.Role;
import dev.portcullis.gateway.identity.store.RoleBinding;

/**
 * An external user source that role and binding changes made through the admin API must reach
 * (Keycloak, with {@code identity.source: keycloak}). Each method is called on a worker thread inside
 * the admin change's transaction, after the local write and its audit event but <em>before</em> the
 * commit, and blocks; a refusal is an
 * {@link dev.portcullis.gateway.identity.store.IamException} (UNAVAILABLE when the source cannot be
 * reached or refuses the gateway's credentials, CONFLICT when it already holds the object), and
 * then the transaction rolls back and the local store is left unchanged.
 */
public interface IamWriteThrough {

  /** The local store is the only source: nothing is written anywhere else. */
  IamWriteThrough NONE = new IamWriteThrough() {
  };

  /**
   * Whether users, groups and memberships come from the external source. When true, the admin API
   * refuses to create, change or delete them (in every tenant) (they would be overwritten by the next refresh);
   * sessions, lockouts and second factors stay local concerns.
   */
  default boolean managesUsers() {
    return false;
  }

  /** The name of the source, for messages ("managed in Keycloak"). */
  default String sourceName() {
    return "the local store";
  }

  default void roleCreated(Role role) {
  }

  default void roleUpdated(Role before, Role after) {
  }

  default void roleDeleted(Role role) {
  }

  /** A binding of {@code role} to a user or a group; a timed one is removed again when it expires. */
  default void bindingCreated(RoleBinding binding, Role role) {
  }

  default void bindingDeleted(RoleBinding binding, Role role) {
  }
}
