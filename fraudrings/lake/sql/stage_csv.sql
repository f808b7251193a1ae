-- Stages one CSV or CSV.gz file of a drop as text: every cell VARCHAR (an empty cell is
-- NULL, read back as ''), rows numbered in file order from 1 (rn).
-- Parameters: $path, the file. Slots: {{columns}}, a DuckDB struct literal of the
-- header's column names, each 'VARCHAR' (read from the header by the caller).
CREATE OR REPLACE TEMP TABLE lake_raw AS
SELECT row_number() OVER () AS rn, *
FROM read_csv($path, header = true, auto_detect = false, columns = {{columns}},
              delim = ',', quote = '"', escape = '"', compression = 'auto');
