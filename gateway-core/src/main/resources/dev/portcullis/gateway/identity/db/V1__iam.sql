-- The IAM store: tenants, users, groups, roles, role bindings, API tokens and the gateway's own
-- signing keys. Written in the SQL that H2 and PostgreSQL both accept.

CREATE TABLE tenants (
  id          VARCHAR(64)  PRIMARY KEY,
  name        VARCHAR(200) NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE users (
  id             VARCHAR(36)  PRIMARY KEY,
  tenant_id      VARCHAR(64)  NOT NULL REFERENCES tenants (id),
  username       VARCHAR(128) NOT NULL,
  email          VARCHAR(320),
  display_name   VARCHAR(200),
  status         VARCHAR(16)  NOT NULL,
  password_hash  VARCHAR(512),
  created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  updated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT users_username_unique UNIQUE (username),
  CONSTRAINT users_status_known CHECK (status IN ('active', 'disabled'))
);

CREATE TABLE user_groups (
  id          VARCHAR(36)  PRIMARY KEY,
  tenant_id   VARCHAR(64)  NOT NULL REFERENCES tenants (id),
  name        VARCHAR(128) NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT user_groups_name_unique UNIQUE (tenant_id, name)
);

CREATE TABLE group_members (
  group_id  VARCHAR(36) NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
  user_id   VARCHAR(36) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);

CREATE TABLE roles (
  id           VARCHAR(36)  PRIMARY KEY,
  tenant_id    VARCHAR(64)  NOT NULL REFERENCES tenants (id),
  name         VARCHAR(128) NOT NULL,
  description  VARCHAR(500),
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT roles_name_unique UNIQUE (tenant_id, name)
);

CREATE TABLE role_permissions (
  role_id     VARCHAR(36)  NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  permission  VARCHAR(200) NOT NULL,
  PRIMARY KEY (role_id, permission)
);

-- A user or a group holds a role in the role's tenant, optionally only within [valid_from, valid_until).
CREATE TABLE role_bindings (
  id           VARCHAR(36)  PRIMARY KEY,
  role_id      VARCHAR(36)  NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  user_id      VARCHAR(36)  REFERENCES users (id) ON DELETE CASCADE,
  group_id     VARCHAR(36)  REFERENCES user_groups (id) ON DELETE CASCADE,
  valid_from   TIMESTAMP WITH TIME ZONE,
  valid_until  TIMESTAMP WITH TIME ZONE,
  reason       VARCHAR(500) NOT NULL,
  granted_by   VARCHAR(128) NOT NULL,
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT role_bindings_one_holder CHECK ((user_id IS NULL AND group_id IS NOT NULL)
                                          OR (user_id IS NOT NULL AND group_id IS NULL)),
  CONSTRAINT role_bindings_window CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until)
);
CREATE INDEX role_bindings_user ON role_bindings (user_id);
CREATE INDEX role_bindings_group ON role_bindings (group_id);

-- Only the SHA-256 of a token is kept: the token itself is shown once, at creation.
CREATE TABLE api_tokens (
  id            VARCHAR(36)  PRIMARY KEY,
  user_id       VARCHAR(36)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          VARCHAR(128) NOT NULL,
  token_hash    VARCHAR(64)  NOT NULL,
  scopes        VARCHAR(2000) NOT NULL,
  expires_at    TIMESTAMP WITH TIME ZONE,
  last_used_at  TIMESTAMP WITH TIME ZONE,
  revoked_at    TIMESTAMP WITH TIME ZONE,
  created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The keys that sign identity assertions, shared by every instance so that any of them can sign
-- and all publish the same JWKS.
CREATE TABLE signing_keys (
  kid          VARCHAR(64)   PRIMARY KEY,
  private_jwk  VARCHAR(4000) NOT NULL,
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Random secrets the gateway generates once and every instance shares (e.g. the pseudonym key).
CREATE TABLE gateway_secrets (
  name        VARCHAR(64)  PRIMARY KEY,
  secret      VARCHAR(512) NOT NULL,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
