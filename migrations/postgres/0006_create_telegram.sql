-- The Telegram bot: handled updates (for exactly-once handling), the state
-- of each private chat (sealed: it can hold a NIK between two steps), the
-- replies waiting to be sent (in order per chat), and the polling lease.

CREATE TABLE telegram_updates (
    update_id  BIGINT PRIMARY KEY,
    chat_id    BIGINT,
    handled_at BIGINT NOT NULL
);

CREATE INDEX telegram_updates_handled ON telegram_updates (handled_at);

CREATE TABLE telegram_chats (
    chat_id      BIGINT PRIMARY KEY,
    state_sealed BYTEA NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE telegram_outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      BIGINT NOT NULL,
    chat_id         BIGINT NOT NULL,
    method          TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_owner     TEXT,
    lease_until     BIGINT,
    sent_at         BIGINT,
    last_error      TEXT
);

CREATE INDEX telegram_outbox_due ON telegram_outbox (sent_at, chat_id, id);

-- One row: which process polls getUpdates, until when, and from which offset.
CREATE TABLE telegram_poller (
    id          BIGINT PRIMARY KEY,
    owner       TEXT,
    lease_until BIGINT,
    next_offset BIGINT NOT NULL
);

INSERT INTO telegram_poller (id, next_offset) VALUES (1, 0);
