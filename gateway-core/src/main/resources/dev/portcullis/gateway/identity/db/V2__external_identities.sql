-- Which provider account signs in as which local user: the provider's stable subject (`sub`),
-- never its editable username.
CREATE TABLE external_identities (
  provider_id  VARCHAR(64)  NOT NULL,
  subject      VARCHAR(255) NOT NULL,
  user_id      VARCHAR(36)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (provider_id, subject)
);
CREATE INDEX external_identities_user ON external_identities (user_id);
