-- Each service client's own request budget: calls per minute to the
-- integration API, in bursts of the same size. Clients created before it
-- keep the single budget they had (6000 a minute); an admin changes it in
-- the console, the command line sets it at creation.
ALTER TABLE service_clients ADD COLUMN calls_per_minute BIGINT NOT NULL DEFAULT 6000;
