-- SQLite's checked writes compare each statement's changed rows on the
-- calling thread now (`platform::local_sqlite::LocalWriter`), no longer in
-- a script that inserted them here: the view and its trigger go.
DROP TRIGGER write_check_failed;
DROP VIEW write_check;
