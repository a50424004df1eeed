-- Mail written in the same transaction as the change it reports; a worker
-- sends it. A lease (owner + until) lets several processes share the queue.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at      BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    -- Bodies hold single-use links; they are blanked once the mail is sent.
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    sent_at         BIGINT,
    last_error      TEXT
);

CREATE INDEX mail_outbox_due ON mail_outbox (sent_at, next_attempt_at);
