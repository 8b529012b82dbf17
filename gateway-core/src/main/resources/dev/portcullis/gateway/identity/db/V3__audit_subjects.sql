-- Who an audit pseudonym stands for. Audit events carry only the pseudonym; erasing a data subject
-- deletes their row here, after which their events stay in the journal (and its hash chain stays
-- intact) but point to no one. A subject erased and seen again gets a new, unrelated pseudonym.
CREATE TABLE audit_subjects (
  pseudonym   VARCHAR(64)  PRIMARY KEY,
  subject     VARCHAR(512) NOT NULL UNIQUE,
  created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
