-- Each service client's own request budget: calls per minute to the
-- integration API, in bursts of the same size. Clients created before it
-- keep the single budget they had (6000 a minute); an admin changes it in
-- the console, the command line sets it at creation.
ALTER TABLE service_clients ADD COLUMN calls_per_minute BIGINT NOT NULL DEFAULT 6000;

-- When the client last authenticated, to the minute (written at most once
-- a minute per client, so a busy client costs no write per call); NULL:
-- never since this column exists.
ALTER TABLE service_clients ADD COLUMN last_used_at BIGINT;
