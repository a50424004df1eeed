-- Values an admin tunes at run time (maximum devices, link lifetimes,
-- selfie retention, face-match bands). Seeded from the configuration when
-- a key is missing; after that the database wins. Every process reloads
-- them every few seconds; changes are audited.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
