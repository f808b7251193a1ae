-- Spark SQL of the lake projection split_admissions, generated from
-- fraudrings/lake/sql/projection_split_admissions.sql by `python -m fraudrings.lake.spark --write`;
-- do not edit: change the DuckDB statement and regenerate.
WITH settlements AS (
  SELECT
    setl_id,
    psn_no,
    fixmedins_code,
    med_type,
    begntime,
    endtime,
    dise_codg,
    fund_pay_sumamt,
    refd_setl_flag,
    refd_setl_id
  FROM (
    SELECT
      setl_id,
      psn_no,
      fixmedins_code,
      med_type,
      begntime,
      endtime,
      dise_codg,
      fund_pay_sumamt,
      refd_setl_flag,
      refd_setl_id,
      ROW_NUMBER() OVER (PARTITION BY setl_id ORDER BY _loaded_at DESC, _row DESC) AS _w,
      _loaded_at,
      _row
    FROM lake_settlements
  ) AS _t
  WHERE
    _w = 1
), reversed AS (
  SELECT DISTINCT
    refd_setl_id AS setl_id
  FROM settlements
  WHERE
    refd_setl_flag = '1' AND NOT refd_setl_id IS NULL
), stays AS (
  SELECT
    *
  FROM settlements
  WHERE
    med_type = '21'
    AND NOT begntime IS NULL
    AND NOT endtime IS NULL
    AND COALESCE(refd_setl_flag, '') <> '1'
    AND NOT setl_id IN (
      SELECT
        setl_id
      FROM reversed
    )
), pairs AS (
  SELECT
    psn_no,
    fixmedins_code AS inst,
    setl_id AS setl_a,
    begntime AS begn_a,
    endtime AS end_a,
    dise_codg AS dise,
    fund_pay_sumamt AS fund_a,
    LEAD(fixmedins_code) OVER w AS inst_b,
    LEAD(setl_id) OVER w AS setl_b,
    LEAD(begntime) OVER w AS begn_b,
    LEAD(endtime) OVER w AS end_b,
    LEAD(dise_codg) OVER w AS dise_b,
    LEAD(fund_pay_sumamt) OVER w AS fund_b
  FROM stays
  WINDOW w AS (PARTITION BY psn_no ORDER BY begntime NULLS LAST, setl_id NULLS LAST)
), persons AS (
  SELECT
    psn_no,
    insu_admdvs
  FROM (
    SELECT
      psn_no,
      insu_admdvs,
      ROW_NUMBER() OVER (PARTITION BY psn_no ORDER BY _loaded_at DESC, _row DESC) AS _w,
      _loaded_at,
      _row
    FROM lake_persons
  ) AS _t
  WHERE
    _w = 1
), institutions AS (
  SELECT
    fixmedins_code,
    admdvs,
    hosp_lv
  FROM (
    SELECT
      fixmedins_code,
      admdvs,
      hosp_lv,
      ROW_NUMBER() OVER (PARTITION BY fixmedins_code ORDER BY _loaded_at DESC, _row DESC) AS _w,
      _loaded_at,
      _row
    FROM lake_institutions
  ) AS _t
  WHERE
    _w = 1
)
SELECT
  q.psn_no,
  p.insu_admdvs AS home,
  q.inst,
  ia.admdvs AS inst_admdvs,
  ia.hosp_lv AS lv_a,
  q.inst_b,
  ib.hosp_lv AS lv_b,
  q.setl_a,
  q.begn_a,
  q.end_a,
  q.dise,
  q.setl_b,
  q.begn_b,
  q.end_b,
  q.dise_b,
  q.fund_a,
  q.fund_b,
  DATEDIFF(SECOND, q.end_a, q.begn_b) / CAST(86400 AS DOUBLE) AS gap
FROM pairs AS q
LEFT JOIN persons AS p
  ON p.psn_no = q.psn_no
LEFT JOIN institutions AS ia
  ON ia.fixmedins_code = q.inst
LEFT JOIN institutions AS ib
  ON ib.fixmedins_code = q.inst_b
WHERE
  NOT q.setl_b IS NULL
  AND DATEDIFF(SECOND, q.end_a, q.begn_b) >= 0
  AND DATEDIFF(SECOND, q.end_a, q.begn_b) / CAST(86400 AS DOUBLE) <= :max_gap_days
ORDER BY
  q.psn_no NULLS LAST,
  q.begn_a NULLS LAST,
  q.setl_a NULLS LAST
