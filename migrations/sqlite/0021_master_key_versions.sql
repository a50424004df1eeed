-- Master keys are versioned (`server rotate-key`): the database records the
-- check value of every version it has known (never a key), and when a
-- version was retired (`server retire-key`), once nothing was sealed under
-- it any more. The single check value so far is version 1.
CREATE TABLE master_key_versions (
    version     BIGINT PRIMARY KEY,
    check_value BLOB NOT NULL,
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT
);

INSERT INTO master_key_versions (version, check_value, created_at)
SELECT 1, check_value, created_at FROM master_key_check;

DROP TABLE master_key_check;
