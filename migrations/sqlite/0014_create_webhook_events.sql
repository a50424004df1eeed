-- Signed event webhooks (issue 14). A service client with the `events`
-- scope may have a webhook: its URL and a signing secret. The secret must
-- be readable to sign each delivery, so it is sealed with the master key
-- (AES-GCM, bound to the client) rather than hashed; it is shown once.
-- event_seq is the client's last event number, bumped (and so row-locked)
-- by every transaction that records an event for it: numbers follow the
-- commit order.
ALTER TABLE service_clients ADD COLUMN webhook_url TEXT;
ALTER TABLE service_clients ADD COLUMN webhook_secret_sealed BLOB;
ALTER TABLE service_clients ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;

-- The events outbox: one row per event and subscribed client, written in
-- the transaction of the change it describes, delivered by a worker in
-- seq order per client (a lease lets several processes share the queue).
-- The body is the JSON sent (no NIK, secrets or photos); last_error is a
-- short reason (HTTP status, timeout), never a URL or a secret.
CREATE TABLE webhook_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id          TEXT NOT NULL UNIQUE,
    service_client_id TEXT NOT NULL REFERENCES service_clients (id),
    seq               BIGINT NOT NULL,
    event_type        TEXT NOT NULL,
    body              TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    attempts          BIGINT NOT NULL DEFAULT 0,
    next_attempt_at   BIGINT NOT NULL,
    lease_owner       TEXT,
    lease_until       BIGINT,
    delivered_at      BIGINT,
    last_error        TEXT,
    UNIQUE (service_client_id, seq)
);

-- The worker's scan for due rows, and its check that no earlier event of
-- the same client is still undelivered.
CREATE INDEX webhook_events_due ON webhook_events (delivered_at, next_attempt_at);
CREATE INDEX webhook_events_client_pending ON webhook_events (service_client_id, delivered_at, seq);
