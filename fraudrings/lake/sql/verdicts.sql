-- Tells the rows that pass the checks apart by their key, in file order: the first row of
-- a key is new; a later one with the same raw cells is an exact duplicate (counted, not
-- kept); a later one with other cells is a conflict (quarantined as duplicate_key). A
-- file without a key (trace_events) is keyed by all its cells.
-- Parameters: none. Slots: {{key}}, the key's columns (stripped cells, or all raw cells).
CREATE OR REPLACE TEMP TABLE lake_verdicts AS
SELECT c.rn,
       CASE WHEN row_number() OVER w = 1 THEN 'new'
            WHEN c.h = first_value(c.h) OVER w THEN 'duplicate'
            ELSE 'conflict' END AS verdict
FROM lake_checked c JOIN lake_raw r USING (rn)
WHERE c.ok
WINDOW w AS (PARTITION BY {{key}} ORDER BY c.rn);
