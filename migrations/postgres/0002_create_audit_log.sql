-- Every state change: who, what, when, from where. Rows are never updated;
-- no foreign keys, so history outlives the rows it mentions.
CREATE TABLE audit_log (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                 BIGINT NOT NULL,
    actor_account_id   TEXT,
    actor              TEXT NOT NULL,
    action             TEXT NOT NULL,
    subject_account_id TEXT,
    ticket_id          TEXT,
    detail             TEXT NOT NULL DEFAULT '{}',
    ip                 TEXT,
    user_agent         TEXT
);

CREATE INDEX audit_log_subject ON audit_log (subject_account_id, at);
CREATE INDEX audit_log_ticket ON audit_log (ticket_id);
