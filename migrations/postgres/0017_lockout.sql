-- Failure counters that are not the account's own (accounts keep the
-- cookie-less password and the OTP counters): per client address on the
-- login, per device cookie (a cookie blocked here is on the lockout list),
-- per account on password re-entry, per client and account on helpdesk
-- mismatches. The key names the scope and the subject ("login_ip:203.0.113.9").
CREATE TABLE failure_counters (
    key          TEXT PRIMARY KEY,
    failures     BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX failure_counters_updated ON failure_counters (updated_at);

-- Mailed links that lift the lock on cookie-less logins after 100
-- consecutive wrong passwords: only the SHA-256 digest of the token is kept.
CREATE TABLE unlock_links (
    token_digest BYTEA PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX unlock_links_account ON unlock_links (account_id, created_at);
