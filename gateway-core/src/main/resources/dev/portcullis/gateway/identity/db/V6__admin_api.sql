-- The admin API: a version per changeable object (its ETag, so that two admins cannot silently
-- overwrite each other), built-in admin roles that the API refuses to change, and the IP network
-- sets that admins manage and routes name. Written in the SQL that H2 and PostgreSQL both accept.

ALTER TABLE tenants ADD COLUMN version INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE users ADD COLUMN version INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE user_groups ADD COLUMN version INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE roles ADD COLUMN version INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE roles ADD COLUMN builtin BOOLEAN DEFAULT FALSE NOT NULL;

-- A named set of CIDRs; a route's ip-allowlist names it when gateway.yaml declares it `managed`.
CREATE TABLE network_sets (
  name         VARCHAR(64)    PRIMARY KEY,
  description  VARCHAR(500),
  cidrs        VARCHAR(24000) NOT NULL,
  version      INTEGER       NOT NULL,
  updated_by   VARCHAR(128)  NOT NULL,
  updated_at   TIMESTAMP WITH TIME ZONE NOT NULL
);
