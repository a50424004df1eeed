-- Indexes for the lookups the query-plan test (tests/tests/api/query_plans.rs)
-- found scanning whole tables: the periodic clean-ups of expired sessions,
-- expired pending enrollments and idle Telegram chats, and the count of
-- replies sent to one Telegram chat (its per-chat limit), which the outbox's
-- (sent_at, chat_id, id) index cannot serve.
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX pending_enrollments_expires ON pending_enrollments (expires_at);
CREATE INDEX telegram_chats_updated ON telegram_chats (updated_at);
CREATE INDEX telegram_outbox_chat ON telegram_outbox (chat_id, created_at);
