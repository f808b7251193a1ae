-- Projection: settlements that began after the person's death date (claims for the dead),
-- the rows detect_deceased_claims.cypher reads from the graph, here from the lake. A
-- stay admitted before death and settled after it is not here; reversals (refd_setl_flag
-- 1) and settlements a reversal names are left out. Each key's latest row counts (by
-- _loaded_at, then its row in the file), as the graph keeps the last value written.
-- Parameters: $persons, $settlements, $institutions (each table's Parquet files).
WITH persons AS (
    SELECT psn_no, death_date, insu_admdvs
    FROM read_parquet($persons, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY psn_no ORDER BY _loaded_at DESC, _row DESC) = 1
), settlements AS (
    SELECT setl_id, psn_no, fixmedins_code, begntime, med_type, fund_pay_sumamt, dr_codg,
           refd_setl_flag, refd_setl_id
    FROM read_parquet($settlements, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY setl_id ORDER BY _loaded_at DESC, _row DESC) = 1
), institutions AS (
    SELECT fixmedins_code, admdvs
    FROM read_parquet($institutions, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY fixmedins_code
                               ORDER BY _loaded_at DESC, _row DESC) = 1
), reversed AS (
    SELECT DISTINCT refd_setl_id AS setl_id
    FROM settlements
    WHERE refd_setl_flag = '1' AND refd_setl_id IS NOT NULL
)
SELECT p.psn_no, p.death_date, p.insu_admdvs AS home,
       s.setl_id, s.begntime, s.med_type, s.fund_pay_sumamt AS fund, s.dr_codg AS dr,
       i.fixmedins_code AS inst, i.admdvs AS inst_admdvs
FROM persons p
JOIN settlements s ON s.psn_no = p.psn_no
LEFT JOIN institutions i ON i.fixmedins_code = s.fixmedins_code
WHERE p.death_date IS NOT NULL
  AND s.begntime IS NOT NULL AND CAST(s.begntime AS DATE) > p.death_date
  AND coalesce(s.refd_setl_flag, '') <> '1'
  AND s.setl_id NOT IN (SELECT setl_id FROM reversed)
ORDER BY p.psn_no, s.begntime, s.setl_id;
