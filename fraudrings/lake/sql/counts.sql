-- The counts of one file's report: rows read, exact duplicates, and rows loaded with a
-- cent of rounding (accepted rows that carry a rounding_cent warning).
-- Parameters: none. Slots: none.
SELECT (SELECT count(*) FROM lake_raw) AS read,
       (SELECT count(*) FROM lake_verdicts WHERE verdict = 'duplicate') AS duplicates,
       (SELECT count(*) FROM lake_accepted WHERE warned) AS warned;
