-- The console's ticket page: the mails sent for a ticket, the staff answer
-- to a general question, and the signer's consent to the selfie (given on
-- the identity-check page before the camera opens).
ALTER TABLE mail_outbox ADD COLUMN ticket_id TEXT;
CREATE INDEX mail_outbox_ticket ON mail_outbox (ticket_id);
ALTER TABLE tickets ADD COLUMN answer TEXT;
ALTER TABLE tickets ADD COLUMN answered_by TEXT;
ALTER TABLE tickets ADD COLUMN selfie_consent_at BIGINT;
