-- Spark SQL of the lake projection deceased_claims, generated from
-- fraudrings/lake/sql/projection_deceased_claims.sql by `python -m fraudrings.lake.spark --write`;
-- do not edit: change the DuckDB statement and regenerate.
WITH persons AS (
  SELECT
    psn_no,
    death_date,
    insu_admdvs
  FROM (
    SELECT
      psn_no,
      death_date,
      insu_admdvs,
      ROW_NUMBER() OVER (PARTITION BY psn_no ORDER BY _loaded_at DESC, _row DESC) AS _w,
      _loaded_at,
      _row
    FROM lake_persons
  ) AS _t
  WHERE
    _w = 1
), settlements AS (
  SELECT
    setl_id,
    psn_no,
    fixmedins_code,
    begntime,
    med_type,
    fund_pay_sumamt,
    dr_codg,
    refd_setl_flag,
    refd_setl_id
  FROM (
    SELECT
      setl_id,
      psn_no,
      fixmedins_code,
      begntime,
      med_type,
      fund_pay_sumamt,
      dr_codg,
      refd_setl_flag,
      refd_setl_id,
      ROW_NUMBER() OVER (PARTITION BY setl_id ORDER BY _loaded_at DESC, _row DESC) AS _w,
      _loaded_at,
      _row
    FROM lake_settlements
  ) AS _t
  WHERE
    _w = 1
), institutions AS (
  SELECT
    fixmedins_code,
    admdvs
  FROM (
    SELECT
      fixmedins_code,
      admdvs,
      ROW_NUMBER() OVER (PARTITION BY fixmedins_code ORDER BY _loaded_at DESC, _row DESC) AS _w,
      _loaded_at,
      _row
    FROM lake_institutions
  ) AS _t
  WHERE
    _w = 1
), reversed AS (
  SELECT DISTINCT
    refd_setl_id AS setl_id
  FROM settlements
  WHERE
    refd_setl_flag = '1' AND NOT refd_setl_id IS NULL
)
SELECT
  p.psn_no,
  p.death_date,
  p.insu_admdvs AS home,
  s.setl_id,
  s.begntime,
  s.med_type,
  s.fund_pay_sumamt AS fund,
  s.dr_codg AS dr,
  i.fixmedins_code AS inst,
  i.admdvs AS inst_admdvs
FROM persons AS p
JOIN settlements AS s
  ON s.psn_no = p.psn_no
LEFT JOIN institutions AS i
  ON i.fixmedins_code = s.fixmedins_code
WHERE
  NOT p.death_date IS NULL
  AND NOT s.begntime IS NULL
  AND CAST(s.begntime AS DATE) > p.death_date
  AND COALESCE(s.refd_setl_flag, '') <> '1'
  AND NOT s.setl_id IN (
    SELECT
      setl_id
    FROM reversed
  )
ORDER BY
  p.psn_no NULLS LAST,
  s.begntime NULLS LAST,
  s.setl_id NULLS LAST
