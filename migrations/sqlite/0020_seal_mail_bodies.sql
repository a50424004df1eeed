-- Mail bodies hold single-use links and names: they are now sealed with the
-- master key (text and HTML together, bound to the recipient) and the clear
-- columns stay empty. Rows queued before this stay in clear until sent,
-- when every body is blanked.
ALTER TABLE mail_outbox ADD COLUMN bodies_sealed BLOB;
