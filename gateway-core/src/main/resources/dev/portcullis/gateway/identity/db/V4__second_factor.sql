-- The TOTP second factor. The secret is sealed with AES-256-GCM under a key from the gateway's
-- configuration (never in this store), so a dump of the store yields no working authenticator.
-- The parameters are kept per enrolment: an app set up with them keeps working when the defaults
-- for new enrolments change.
CREATE TABLE totp_credentials (
  user_id         VARCHAR(36)  PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  sealed_secret   VARCHAR(256) NOT NULL,
  algorithm       VARCHAR(16)  NOT NULL,
  digits          INTEGER      NOT NULL,
  period_seconds  INTEGER      NOT NULL,
  started_by      VARCHAR(64)  NOT NULL,   -- hash of the sign-in (session) that started the enrolment
  confirmed_at    TIMESTAMP WITH TIME ZONE,
  created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
  CONSTRAINT totp_algorithm_known CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512'))
);

-- One-time recovery codes: the public part names the row, only an Argon2id hash of the secret
-- part is kept.
CREATE TABLE recovery_codes (
  user_id     VARCHAR(36)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  code_id     VARCHAR(8)   NOT NULL,
  code_hash   VARCHAR(512) NOT NULL,
  used_at     TIMESTAMP WITH TIME ZONE,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (user_id, code_id)
);

-- When a user first signed in while a rule required them to enrol: the grace period runs from here.
CREATE TABLE mfa_grace (
  user_id     VARCHAR(36) PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  started_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
