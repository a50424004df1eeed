-- A device added from /akun leaves what it did (the device added, the one
-- removed to stay within the limit) on its pending row, as JSON, until the
-- page that says so is shown once; the secret is erased from the row.
ALTER TABLE pending_enrollments ADD COLUMN outcome TEXT;
