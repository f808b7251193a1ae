-- The row ids already in the lake for one table (empty when the table has no file yet).
-- Parameters: $glob, the table's Parquet files (<lake>/<table>/**/*.parquet).
CREATE OR REPLACE TEMP TABLE lake_existing AS
SELECT DISTINCT _row_md5 FROM read_parquet($glob, hive_partitioning = false);
