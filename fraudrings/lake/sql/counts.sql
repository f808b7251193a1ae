-- The counts of one file's report: rows read, exact duplicates, and rows loaded with a
-- cent of rounding (new rows that pass every check and carry a rounding_cent warning),
-- and rows the lake does not hold yet (written).
-- Parameters: none. Slots: none.
SELECT (SELECT count(*) FROM lake_raw) AS read,
       (SELECT count(*) FROM lake_verdicts WHERE verdict = 'duplicate') AS duplicates,
       (SELECT count(*) FROM lake_accepted a JOIN lake_checked c USING (rn) WHERE c.warned)
           AS warned,
       (SELECT count(*) FROM lake_accepted
        WHERE _row_md5 NOT IN (SELECT _row_md5 FROM lake_existing)) AS written;
