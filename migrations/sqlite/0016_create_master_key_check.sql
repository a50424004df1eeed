-- The master key's check value: an HMAC of a fixed label under a key derived
-- from the master key (never the key itself). A server started with another
-- key computes a different value and refuses to start, instead of reading
-- every sealed secret as a wrong code. One row, written on the first start.
CREATE TABLE master_key_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);
