-- On SQLite this step drops the `write_check` view, no longer used there.
-- PostgreSQL keeps its `write_check()` function
-- (`platform::statements::commit_checked`): nothing changes here; the step
-- exists so that both backends have the same migrations.
SELECT 1;
