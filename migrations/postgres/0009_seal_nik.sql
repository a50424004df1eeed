-- The NIK itself, sealed with the master key (AES-GCM, the account id as
-- associated data), for the one place that needs the digits: the
-- population registry's face-match service, which looks the person up by
-- NIK. Matching still uses `nik_digest`; pages still show `nik_masked`.
-- NULL for accounts created before this column: it is filled the next time
-- the signer types a NIK that matches the digest.
ALTER TABLE accounts ADD COLUMN nik_sealed BYTEA;

-- The face-match outcome of a selfie, computed once after the upload:
-- `score` (with `match_score` in 0..1 and `match_source`), `no_record`,
-- `unavailable` (with a short reason in `match_note`) or
-- `nothing_to_compare`. It informs the verifier and decides nothing.
ALTER TABLE selfies ADD COLUMN match_outcome TEXT
    CHECK (match_outcome IN ('score', 'no_record', 'unavailable', 'nothing_to_compare'));
ALTER TABLE selfies ADD COLUMN match_score DOUBLE PRECISION
    CHECK (match_score >= 0 AND match_score <= 1);
ALTER TABLE selfies ADD COLUMN match_source TEXT;
ALTER TABLE selfies ADD COLUMN match_note TEXT;
ALTER TABLE selfies ADD COLUMN matched_at BIGINT;
