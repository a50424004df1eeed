-- The reference of the real person a selfie is compared with: the photo
-- from the AMS registration (or the KTP). One per signer account, kept while
-- the account exists; like selfies it is re-encoded without metadata and
-- only staff can see it. Biometric data needs consent: the operator states
-- that the signer gave it at registration.
CREATE TABLE reference_photos (
    account_id                TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    image                     BLOB NOT NULL,
    width                     BIGINT NOT NULL,
    height                    BIGINT NOT NULL,
    bytes                     BIGINT NOT NULL,
    consent_at_registration   BOOLEAN NOT NULL CHECK (consent_at_registration),
    set_at                    BIGINT NOT NULL
);
