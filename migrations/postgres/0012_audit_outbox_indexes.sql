-- The console's audit log and outbox screens. The log is read newest first
-- by day range, or by action within a day range (the subject account has
-- its index since 0002); the actor filter is a substring and scans.
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_action_at ON audit_log (action, at, id);
-- Unsent mail ("waiting", "retrying"), newest first, without walking the
-- sent mail that makes up most of the table.
CREATE INDEX mail_outbox_unsent ON mail_outbox (id) WHERE sent_at IS NULL;
