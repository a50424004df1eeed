-- Machine clients of the integration API (/api/v1, the signing service
-- AMS). A client authenticates with "<id>.<secret>"; the secret is shown
-- once and only its SHA-256 digest is kept, like link tokens. Scopes are a
-- comma-separated list of validate, sync, events; allow_from a
-- comma-separated list of CIDR blocks (empty: any address). A revoked
-- client is refused on its next call.
CREATE TABLE service_clients (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    secret_digest   BLOB NOT NULL,
    scopes          TEXT NOT NULL,
    allow_from      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);

-- AMS's own id for a signer, set by the sync API; the validation API
-- accepts it in place of the official email. NULL until AMS names it.
ALTER TABLE accounts ADD COLUMN ams_id TEXT;
CREATE UNIQUE INDEX accounts_ams_id ON accounts (ams_id);
