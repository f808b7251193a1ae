-- Appends the accepted rows of one file that the lake does not hold yet (by row id) to the
-- table's Parquet files, partitioned by region and month (region=<code>/month=<YYYY-MM>),
-- typed as the contract says, with their source file, data row number (_row), load time
-- and row id (_row_md5). Returns the number of rows written.
-- Parameters: $source (file name), $loaded_at (timestamp). Slots: {{typed}} (the typed
-- contract columns and the kept extra columns), {{joins}} (lookups of a region: a fee
-- line's settlement, a movement's institution), {{region}}, {{month}}, {{dir}} (the
-- table's folder as a quoted literal).
COPY (
    SELECT {{typed}}, $source AS _source, c.rn AS _row,
           CAST($loaded_at AS TIMESTAMP) AS _loaded_at, c._row_md5,
           {{region}} AS region, {{month}} AS month
    FROM lake_accepted c
    {{joins}}
    WHERE c._row_md5 NOT IN (SELECT _row_md5 FROM lake_existing)
) TO {{dir}} (FORMAT parquet, PARTITION_BY (region, month), APPEND true,
              FILENAME_PATTERN 'part_{uuid}');
