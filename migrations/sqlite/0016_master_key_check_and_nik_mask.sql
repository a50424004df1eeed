-- The master key's check value: an HMAC of a fixed label under a key derived
-- from the master key (never the key itself). A server started with another
-- key computes a different value and refuses to start, instead of reading
-- every sealed secret as a wrong code. One row, written on the first start.
CREATE TABLE master_key_check (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    check_value BLOB NOT NULL,
    created_at  BIGINT NOT NULL
);

-- NIKs are now shown as 32************01 (two digits at each end) instead
-- of 3201********0001. The stored masks are rewritten from themselves: the
-- digits the new form keeps are in the old one, so neither the sealed NIK
-- nor the master key is needed.
UPDATE accounts
   SET nik_masked = substr(nik_masked, 1, 2) || '************' || substr(nik_masked, 15, 2)
 WHERE length(nik_masked) = 16 AND substr(nik_masked, 5, 8) = '********';
