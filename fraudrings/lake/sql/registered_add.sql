-- Adds the keys of one registry table of the lake (persons, institutions, ...), or the
-- placeholders already written (kind = the placeholder's kind).
-- Parameters: $kind, $glob (the table's Parquet files). Slots: {{code}} (its key column).
INSERT INTO lake_registered
SELECT DISTINCT $kind, {{code}} FROM read_parquet($glob, hive_partitioning = false);
