-- Selfies from the identity check. The photo is personal data: only staff
-- can fetch it, and the retention job blanks `image` some days after the
-- ticket closes while the row keeps that it existed and who decided.
CREATE TABLE selfies (
    id           TEXT PRIMARY KEY,
    ticket_id    TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    image        BLOB,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    bytes        BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    decision     TEXT CHECK (decision IN ('approved', 'rejected')),
    decided_by   TEXT,
    decided_at   BIGINT,
    reason       TEXT,
    deleted_at   BIGINT
);

CREATE INDEX selfies_ticket ON selfies (ticket_id);
CREATE INDEX selfies_account ON selfies (account_id, submitted_at);
