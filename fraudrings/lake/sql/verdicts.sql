-- Tells the rows that pass the checks apart by their key, in file order: the first row of
-- a key is new; a later one with the same raw cells (the same row id) is an exact
-- duplicate (counted, not kept); a later one with other cells is a conflict (quarantined
-- as duplicate_key). A file without a key (trace_events) is keyed by its row id. Only
-- the rows that are not new are kept here (keys given once are told apart by a hash
-- aggregate, without a sort).
-- Parameters: none. Slots: {{key}}, the key (a stripped cell, a list of them, or the row id).
CREATE OR REPLACE TEMP TABLE lake_verdicts AS
WITH k AS (
    SELECT c.rn, c._row_md5, {{key}} AS key FROM lake_checked c WHERE c.ok
), repeated AS (
    SELECT key, min(rn) AS first_rn, arg_min(_row_md5, rn) AS first_md5
    FROM k GROUP BY key HAVING count(*) > 1
)
SELECT k.rn,
       CASE WHEN k._row_md5 = repeated.first_md5 THEN 'duplicate' ELSE 'conflict' END
           AS verdict
FROM k JOIN repeated ON k.key = repeated.key
WHERE k.rn <> repeated.first_rn;
