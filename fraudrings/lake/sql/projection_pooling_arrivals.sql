-- Projection: card-pooling surge arrivals, the rows detect_pooling_arrivals.cypher reads
-- from the graph, here from the lake: for every street pharmacy (fixmedins_type 2, or a
-- code in the pharmacies' series, and not an online platform), all its settlements with
-- a time and a person that are not reversals nor stays, in time order as
-- [time, person, settlement] (the time as ISO text), one row per shop. Each key's latest
-- row counts (by _loaded_at, then its row in the file).
-- Parameters: $settlements, $institutions (each table's Parquet files).
WITH settlements AS (
    SELECT setl_id, psn_no, fixmedins_code, med_type, setl_time, refd_setl_flag
    FROM read_parquet($settlements, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY setl_id ORDER BY _loaded_at DESC, _row DESC) = 1
), shops AS (
    SELECT fixmedins_code
    FROM read_parquet($institutions, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY fixmedins_code
                               ORDER BY _loaded_at DESC, _row DESC) = 1
        AND (fixmedins_type = '2' OR starts_with(fixmedins_code, 'P'))
        AND coalesce(online, '') <> '1'
)
SELECT s.fixmedins_code AS inst,
       list([strftime(s.setl_time, '%Y-%m-%dT%H:%M:%S'), s.psn_no, s.setl_id]
            ORDER BY s.setl_time, s.setl_id) AS arrivals
FROM settlements s
JOIN shops USING (fixmedins_code)
WHERE s.setl_time IS NOT NULL AND s.psn_no IS NOT NULL
  AND coalesce(s.refd_setl_flag, '') <> '1' AND coalesce(s.med_type, '') <> '21'
GROUP BY s.fixmedins_code
ORDER BY inst;
