-- Four-eyes access requests: a user asks for a role of their tenant, or for a route, for a while
-- and with a reason; N distinct approvers (never the requester) must approve before the request
-- expires. The final approval creates a timed role binding (binding_id) that ends by itself.
-- Written in the SQL that H2 and PostgreSQL both accept.

CREATE TABLE access_requests (
  id                VARCHAR(36)  PRIMARY KEY,
  tenant_id         VARCHAR(64)  NOT NULL REFERENCES tenants (id),
  requester_id      VARCHAR(36)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  target_type       VARCHAR(8)   NOT NULL,
  target            VARCHAR(128) NOT NULL,
  reason            VARCHAR(500) NOT NULL,
  duration_seconds  BIGINT       NOT NULL,
  status            VARCHAR(16)  NOT NULL,
  created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
  expires_at        TIMESTAMP WITH TIME ZONE NOT NULL,
  decided_at        TIMESTAMP WITH TIME ZONE,
  binding_id        VARCHAR(36),
  CONSTRAINT access_requests_target_type CHECK (target_type IN ('role', 'route')),
  CONSTRAINT access_requests_status CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'withdrawn')),
  CONSTRAINT access_requests_duration CHECK (duration_seconds > 0)
);
CREATE INDEX access_requests_tenant_status ON access_requests (tenant_id, status);
CREATE INDEX access_requests_requester ON access_requests (requester_id);

-- One vote per approver and request (the primary key refuses a second one).
CREATE TABLE access_request_votes (
  request_id   VARCHAR(36)  NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
  approver_id  VARCHAR(36)  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  vote         VARCHAR(8)   NOT NULL,
  comment      VARCHAR(500),
  created_at   TIMESTAMP WITH TIME ZONE NOT NULL,
  PRIMARY KEY (request_id, approver_id),
  CONSTRAINT access_request_votes_vote CHECK (vote IN ('approve', 'deny'))
);

-- A binding granted by approval names its approvers ("approvers: <id>,<id>,…"): up to five user ids.
ALTER TABLE role_bindings ALTER COLUMN granted_by SET DATA TYPE VARCHAR(400);
