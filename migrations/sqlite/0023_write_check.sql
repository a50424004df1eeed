-- A script of writes checks itself (`platform::statements::commit_checked`):
-- after each statement that must change a known number of rows it inserts
-- `(changes(), expected)` here, and a mismatch rolls the whole transaction
-- back with this message before the script's COMMIT is reached. Nothing is
-- ever stored: the view has no table, the trigger replaces the insert.
CREATE VIEW write_check (changed, expected) AS SELECT 0, 0;

CREATE TRIGGER write_check_failed INSTEAD OF INSERT ON write_check
WHEN NEW.changed <> NEW.expected
BEGIN
    SELECT RAISE(ROLLBACK, 'write check failed');
END;
