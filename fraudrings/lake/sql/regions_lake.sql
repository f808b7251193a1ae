-- Adds the regions of the institutions the lake already holds (the latest row of each).
-- Parameters: $glob, the institutions' Parquet files.
INSERT INTO lake_regions
SELECT 'institution', fixmedins_code, arg_max(admdvs, _loaded_at)
FROM read_parquet($glob, hive_partitioning = false)
WHERE admdvs IS NOT NULL
GROUP BY fixmedins_code;
