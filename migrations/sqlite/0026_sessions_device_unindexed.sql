-- A session's device is no longer a foreign key, nor indexed. Its index
-- put a random page in every login's write (the activated session's entry
-- lands beside its device's id), a fifth of the pages a login writes; the
-- key needed that index, since removing a device looked for its sessions
-- by it. Removing a device now ends its sessions itself, found through the
-- account's index (`otp_devices::service`). SQLite cannot drop a foreign
-- key: the table is rebuilt, its sessions kept.
CREATE TABLE sessions_rebuilt (
    id            INTEGER PRIMARY KEY,
    -- SHA-256 of the cookie's secret; a login replaces it (a new secret).
    token_digest  BLOB NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The device whose code opened the session; removing the device ends
    -- the session (in the same transaction).
    device_id     TEXT,
    stage         TEXT NOT NULL CHECK (stage IN ('awaiting_otp', 'active')),
    -- Until when a fresh OTP code confirms sensitive actions (adding a device).
    confirmed_until BIGINT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);

INSERT INTO sessions_rebuilt (id, token_digest, account_id, device_id, stage, confirmed_until,
                              created_at, last_seen_at, expires_at, ip, user_agent)
SELECT id, token_digest, account_id, device_id, stage, confirmed_until,
       created_at, last_seen_at, expires_at, ip, user_agent
FROM sessions;

DROP TABLE sessions;
ALTER TABLE sessions_rebuilt RENAME TO sessions;

CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
