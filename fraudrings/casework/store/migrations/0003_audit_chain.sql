-- The audit chain: each row's stated purpose, the previous row's hash and its own.
ALTER TABLE audit ADD COLUMN purpose TEXT;
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
