-- Accounts (signers and staff), their OTP devices and login sessions.
-- Timestamps are unix seconds; ids are random hex text.

CREATE TABLE accounts (
    id                    TEXT PRIMARY KEY,
    email                 TEXT NOT NULL UNIQUE,
    full_name             TEXT NOT NULL,
    -- Keyed HMAC of the NIK for matching; the NIK itself is never stored.
    nik_digest            BYTEA UNIQUE,
    nik_masked            TEXT,
    phone                 TEXT,
    agency                TEXT,
    role                  TEXT NOT NULL CHECK (role IN ('signer', 'verifier', 'admin')),
    status                TEXT NOT NULL CHECK (status IN ('verified', 'unverified', 'suspended')),
    password_hash         TEXT NOT NULL,
    password_failures     BIGINT NOT NULL DEFAULT 0,
    password_locked_until BIGINT,
    otp_failures          BIGINT NOT NULL DEFAULT 0,
    otp_locked_until      BIGINT,
    -- Bumped by every device change: serialises them and orders devices by when they were added.
    device_seq            BIGINT NOT NULL DEFAULT 0,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);

CREATE TABLE otp_devices (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    -- AES-256-GCM: key version || nonce || ciphertext, the device id as associated data.
    secret_sealed  BYTEA NOT NULL,
    added_seq      BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT,
    -- The last accepted TOTP time step: a step is accepted once only.
    last_used_step BIGINT,
    drift_steps    BIGINT NOT NULL DEFAULT 0,
    source_channel TEXT NOT NULL,
    source_ip      TEXT,
    UNIQUE (account_id, name_key),
    UNIQUE (account_id, added_seq)
);

-- A secret shown to a signer (QR code) but not yet confirmed by a code.
CREATE TABLE pending_enrollments (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- What the secret belongs to (a setup link or a session): one secret per origin.
    origin        TEXT NOT NULL UNIQUE,
    secret_sealed BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_digest  BYTEA PRIMARY KEY,
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
CREATE INDEX otp_devices_account ON otp_devices (account_id);
