-- A session is found by a number of its own, carried in its cookie beside
-- the secret (`{id}.{secret}`), and the secret's digest is checked
-- against the row's, instead of being the key. A login rotates the secret:
-- with the digest as the key that moved the row's index entry to a random
-- place (two index pages written per login, the largest share of the code
-- step's write); now the row changes in place. Sessions are not kept
-- across this change: their cookies have no number, so everyone signs in
-- again once.
DROP TABLE sessions;

CREATE TABLE sessions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 of the cookie's secret; a login replaces it (a new secret).
    token_digest  BYTEA NOT NULL,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- The device whose code opened the session; removing it ends the session.
    device_id     TEXT REFERENCES otp_devices (id) ON DELETE CASCADE,
    stage         TEXT NOT NULL CHECK (stage IN ('awaiting_otp', 'active')),
    -- Until when a fresh OTP code confirms sensitive actions (adding a device).
    confirmed_until BIGINT,
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    ip            TEXT,
    user_agent    TEXT
);

CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_device ON sessions (device_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
