-- Spark SQL of the lake projection pooling_arrivals, written by hand from
-- fraudrings/lake/sql/projection_pooling_arrivals.sql (sqlglot's CTEs, the last SELECT
-- rewritten): DuckDB's list(... ORDER BY ...) has no Spark form, so each shop's
-- settlements are collected as structs, sorted by (time, id) with ARRAY_SORT and turned
-- into [time as ISO text, person, settlement]. Keep it in step with the DuckDB file.
WITH settlements AS (
  SELECT
    setl_id,
    psn_no,
    fixmedins_code,
    med_type,
    setl_time,
    refd_setl_flag
  FROM (
    SELECT
      setl_id,
      psn_no,
      fixmedins_code,
      med_type,
      setl_time,
      refd_setl_flag,
      ROW_NUMBER() OVER (PARTITION BY setl_id ORDER BY _loaded_at DESC, _row DESC) AS _w,
      _loaded_at,
      _row
    FROM lake_settlements
  ) AS _t
  WHERE
    _w = 1
), shops AS (
  SELECT
    fixmedins_code
  FROM (
    SELECT
      fixmedins_code,
      ROW_NUMBER() OVER (PARTITION BY fixmedins_code ORDER BY _loaded_at DESC, _row DESC) AS _w,
      online,
      fixmedins_type,
      _loaded_at,
      _row
    FROM lake_institutions
  ) AS _t
  WHERE
    _w = 1
    AND (
      fixmedins_type = '2' OR STARTSWITH(fixmedins_code, 'P')
    )
    AND COALESCE(online, '') <> '1'
)
SELECT
  s.fixmedins_code AS inst,
  TRANSFORM(
    ARRAY_SORT(COLLECT_LIST(STRUCT(s.setl_time AS t, s.setl_id AS id, s.psn_no AS p))),
    x -> ARRAY(DATE_FORMAT(x.t, "yyyy-MM-dd'T'HH:mm:ss"), x.p, x.id)
  ) AS arrivals
FROM settlements AS s
JOIN shops
  USING (fixmedins_code)
WHERE
  NOT s.setl_time IS NULL
  AND NOT s.psn_no IS NULL
  AND COALESCE(s.refd_setl_flag, '') <> '1'
  AND COALESCE(s.med_type, '') <> '21'
GROUP BY
  s.fixmedins_code
ORDER BY
  inst NULLS LAST
