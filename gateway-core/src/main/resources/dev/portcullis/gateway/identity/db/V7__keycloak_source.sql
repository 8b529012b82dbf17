-- identity.source: keycloak. Written in the SQL that H2 and PostgreSQL both accept.

-- The users, groups and roles the sync mirrored from the Keycloak realm into its tenant. Only these
-- follow the realm (a user gone from it is disabled, a group or role gone from it is removed); the
-- gateway's own objects in the same tenant (a break-glass admin, route-approval roles) are left alone.
-- Users and groups keep their Keycloak id as local id; a role made here first has an id of its own.
CREATE TABLE keycloak_mirrored (
  kind         VARCHAR(8)  NOT NULL,
  local_id     VARCHAR(36) NOT NULL,
  tenant_id    VARCHAR(64) NOT NULL REFERENCES tenants (id),
  keycloak_id  VARCHAR(36) NOT NULL,
  PRIMARY KEY (kind, local_id),
  CONSTRAINT keycloak_mirrored_kind CHECK (kind IN ('user', 'group', 'role'))
);

-- Realm role mappings the gateway wrote to Keycloak for role bindings granted through it. The sync
-- never imports these as Keycloak's own ('keycloak') bindings, and removes the mapping from Keycloak
-- once no binding granted in the gateway needs it any more: after valid_until (a timed binding's
-- expiry), or when the binding is gone. NULL valid_until: until the binding is deleted.
CREATE TABLE keycloak_owned_mappings (
  role_id      VARCHAR(36) NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  holder_kind  VARCHAR(8)  NOT NULL,
  holder_id    VARCHAR(36) NOT NULL,
  valid_until  TIMESTAMP WITH TIME ZONE,
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (role_id, holder_kind, holder_id),
  CONSTRAINT keycloak_owned_mappings_kind CHECK (holder_kind IN ('user', 'group'))
);
