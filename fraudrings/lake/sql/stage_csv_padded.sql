-- Stages one CSV or CSV.gz file as stage_csv does, for a file with short rows: missing
-- cells at the end of a row are empty (one reading thread, as DuckDB requires for this).
-- Parameters: $path, the file. Slots: {{columns}}, as in stage_csv.
CREATE OR REPLACE TEMP TABLE lake_raw AS
SELECT row_number() OVER () AS rn, *
FROM read_csv($path, header = true, auto_detect = false, columns = {{columns}},
              delim = ',', quote = '"', escape = '"', compression = 'auto',
              null_padding = true, parallel = false);
