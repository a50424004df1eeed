-- A query of writes checks itself (`platform::statements::commit_checked`):
-- it passes each part's changed row count with the count it must be, and a
-- mismatch fails the whole statement, so that none of its writes commit.
CREATE FUNCTION write_check(changed BIGINT, expected BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
BEGIN
    IF changed <> expected THEN
        RAISE EXCEPTION 'write check failed';
    END IF;
    RETURN changed;
END
$$;
