-- Helpdesk tickets, their timeline, and the single-use links mailed for them.

CREATE TABLE tickets (
    id            TEXT PRIMARY KEY,
    -- 7 characters of [a-z0-9], a keyed permutation of `serial`: unique and not sequential.
    number        TEXT NOT NULL UNIQUE,
    serial        BIGINT NOT NULL UNIQUE,
    category      TEXT NOT NULL CHECK (category IN ('otp_request', 'general_question')),
    channel       TEXT NOT NULL CHECK (channel IN ('web', 'telegram')),
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('submitted', 'awaiting_selfie', 'selfie_submitted', 'approved',
                                                  'rejected', 'completed', 'expired', 'superseded', 'closed')),
    message       TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    closed_at     BIGINT
);

-- One open OTP request per account; a new one supersedes the old in the same transaction.
CREATE UNIQUE INDEX tickets_one_open_otp_request ON tickets (account_id)
    WHERE category = 'otp_request'
      AND status IN ('submitted', 'awaiting_selfie', 'selfie_submitted', 'approved', 'rejected');
CREATE INDEX tickets_status ON tickets (status, updated_at);

CREATE TABLE ticket_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    at        BIGINT NOT NULL,
    status    TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE link_tokens (
    -- SHA-256 of the token in the mailed link; the token itself is never stored.
    token_digest BLOB PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    ticket_id    TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL CHECK (purpose IN ('identity_check', 'otp_setup')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT,
    revoked_at   BIGINT
);

CREATE INDEX link_tokens_ticket ON link_tokens (ticket_id);

-- Named counters (ticket serials); incremented inside the transaction that uses them.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO counters (name, value) VALUES ('ticket_serial', 0);
