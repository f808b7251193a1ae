-- Adds the placeholders the lake already holds to the registered parties, so a second
-- load writes none again.
-- Parameters: $glob (the placeholders' Parquet files). Slots: none.
INSERT INTO lake_registered
SELECT DISTINCT kind, code
FROM read_parquet($glob, hive_partitioning = true, hive_types_autocast = false);
