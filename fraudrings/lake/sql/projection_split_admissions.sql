-- Projection: split-admission candidates, the rows detect_split_admissions.cypher reads
-- from the graph, here from the lake: each inpatient stay (med_type 21, with admission and
-- discharge, not a reversal nor reversed) followed by the same person's next stay (in
-- order of admission, then settlement id, at any institution) within $max_gap_days of
-- the discharge, with both diagnoses, institutions, levels and lengths. Each key's latest
-- row counts (by _loaded_at, then its row in the file).
-- Days as DOUBLE, not a decimal literal, so that Spark divides as DuckDB does.
-- Parameters: $persons, $settlements, $institutions (each table's Parquet files),
-- $max_gap_days.
WITH settlements AS (
    SELECT setl_id, psn_no, fixmedins_code, med_type, begntime, endtime, dise_codg,
           fund_pay_sumamt, refd_setl_flag, refd_setl_id
    FROM read_parquet($settlements, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY setl_id ORDER BY _loaded_at DESC, _row DESC) = 1
), reversed AS (
    SELECT DISTINCT refd_setl_id AS setl_id
    FROM settlements
    WHERE refd_setl_flag = '1' AND refd_setl_id IS NOT NULL
), stays AS (
    SELECT * FROM settlements
    WHERE med_type = '21' AND begntime IS NOT NULL AND endtime IS NOT NULL
      AND coalesce(refd_setl_flag, '') <> '1'
      AND setl_id NOT IN (SELECT setl_id FROM reversed)
), pairs AS (
    SELECT psn_no, fixmedins_code AS inst, setl_id AS setl_a, begntime AS begn_a,
           endtime AS end_a, dise_codg AS dise, fund_pay_sumamt AS fund_a,
           lead(fixmedins_code) OVER w AS inst_b, lead(setl_id) OVER w AS setl_b,
           lead(begntime) OVER w AS begn_b, lead(endtime) OVER w AS end_b,
           lead(dise_codg) OVER w AS dise_b, lead(fund_pay_sumamt) OVER w AS fund_b
    FROM stays
    WINDOW w AS (PARTITION BY psn_no ORDER BY begntime, setl_id)
), persons AS (
    SELECT psn_no, insu_admdvs
    FROM read_parquet($persons, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY psn_no ORDER BY _loaded_at DESC, _row DESC) = 1
), institutions AS (
    SELECT fixmedins_code, admdvs, hosp_lv
    FROM read_parquet($institutions, hive_partitioning = false)
    QUALIFY row_number() OVER (PARTITION BY fixmedins_code
                               ORDER BY _loaded_at DESC, _row DESC) = 1
)
SELECT q.psn_no, p.insu_admdvs AS home, q.inst, ia.admdvs AS inst_admdvs, ia.hosp_lv AS lv_a,
       q.inst_b, ib.hosp_lv AS lv_b, q.setl_a, q.begn_a, q.end_a, q.dise,
       q.setl_b, q.begn_b, q.end_b, q.dise_b, q.fund_a, q.fund_b,
       date_diff('second', q.end_a, q.begn_b) / CAST(86400 AS DOUBLE) AS gap
FROM pairs q
LEFT JOIN persons p ON p.psn_no = q.psn_no
LEFT JOIN institutions ia ON ia.fixmedins_code = q.inst
LEFT JOIN institutions ib ON ib.fixmedins_code = q.inst_b
WHERE q.setl_b IS NOT NULL
  AND date_diff('second', q.end_a, q.begn_b) >= 0
  AND date_diff('second', q.end_a, q.begn_b) / CAST(86400 AS DOUBLE) <= $max_gap_days
ORDER BY q.psn_no, q.begn_a, q.setl_a;
