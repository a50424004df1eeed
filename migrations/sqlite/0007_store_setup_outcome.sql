-- What the "Atur Perangkat OTP" link did (the device added and any device
-- removed to stay within the limit), as JSON, so a second visit to the spent
-- link can say so without reading the audit log.
ALTER TABLE tickets ADD COLUMN setup_outcome TEXT;
