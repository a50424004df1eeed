-- Request budgets shared by every process on one database: each process
-- adds what it admitted in the current minute, about once a second, and
-- reads back the total. Used on PostgreSQL (a scale-out); a single SQLite
-- process counts in memory and leaves this table empty.
CREATE TABLE rate_limit_counts (
    bucket       TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    spent        BIGINT NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_counts_window ON rate_limit_counts (window_start);

-- The network a web request came from, as request budgets count it (an
-- IPv4 address, or the /64 of an IPv6 one): the daily cap of general
-- questions per network counts tickets by it, so one /64 is one asker.
ALTER TABLE tickets ADD COLUMN client_net TEXT;
UPDATE tickets
   SET client_net = (SELECT a.ip FROM audit_log a
                      WHERE a.ticket_id = tickets.id AND a.action = 'ticket_created')
 WHERE category = 'general_question'
   AND channel = 'web'
   AND EXISTS (SELECT 1 FROM audit_log a
                WHERE a.ticket_id = tickets.id AND a.action = 'ticket_created'
                  AND a.ip IS NOT NULL AND a.ip NOT LIKE '%:%');
CREATE INDEX tickets_questions_by_net ON tickets (client_net, created_at)
    WHERE category = 'general_question';
CREATE INDEX tickets_questions_by_account ON tickets (account_id, created_at)
    WHERE category = 'general_question';
