-- No row ids: the table has no file in the lake yet (an empty lake_existing).
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_existing AS SELECT CAST(NULL AS BLOB) AS _row_md5 WHERE false;
