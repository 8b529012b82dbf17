package dev.portcullis.gateway.identity.keycloak;

/** Reads the realm the gateway mirrors (KeycloakDirectory; a fake in tests). Blocking. */
@FunctionalInterface
public interface RealmReader {

  /** The realm as it is now; an IamException (UNAVAILABLE) when Keycloak cannot be read. */
  RealmSnapshot read();
}
