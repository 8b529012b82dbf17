-- Account lifecycle: when an account was last used (a completed sign-in, or re-enabled by an
-- admin; API token use is in api_tokens.last_used_at), and why a disabled account is disabled, so
-- that its owner can be told at their next attempt. Written in the SQL that H2 and PostgreSQL accept.

ALTER TABLE users ADD COLUMN last_active_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE users ADD COLUMN disabled_reason VARCHAR(64);
