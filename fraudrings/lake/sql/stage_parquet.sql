-- Stages one Parquet file of a drop as text, rows numbered in file order from 1 (rn).
-- Parameters: $path, the file. Slots: {{columns}}, each column cast to VARCHAR under its
-- own name (timestamps as YYYY-MM-DD HH:MM:SS).
CREATE OR REPLACE TEMP TABLE lake_raw AS
SELECT row_number() OVER () AS rn, {{columns}}
FROM read_parquet($path);
