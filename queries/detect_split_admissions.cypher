// 分解住院 candidates: a discharge followed by readmission of the same person to the
// same institution within $max_gap_days with the same main diagnosis (first three
// characters of the ICD-10 code), as consecutive pairs of stays that stood.
// params: $max_gap_days
// mode: read
MATCH (s:Inpatient)
WHERE NOT s:Refund AND s.begntime IS NOT NULL AND s.endtime IS NOT NULL
  AND NOT EXISTS { (:Refund)-[:REVERSES]->(s) }
MATCH (p:Person)-[:SETTLED]->(s)
WITH p, s ORDER BY s.begntime, s.setl_id
WITH p, s.fixmedins_code AS inst, collect(s) AS ss
WHERE size(ss) >= 2
UNWIND range(0, size(ss) - 2) AS k
WITH p, inst, ss[k] AS a, ss[k + 1] AS b
WITH p, inst, a, b, duration.inSeconds(a.endtime, b.begntime).seconds / 86400.0 AS gap
WHERE gap >= 0 AND gap <= $max_gap_days
  AND left(coalesce(a.dise_codg, ''), 3) = left(coalesce(b.dise_codg, ''), 3)
OPTIONAL MATCH (i:Institution {fixmedins_code: inst})
RETURN p.psn_no AS psn_no, p.insu_admdvs AS home, inst, i.admdvs AS inst_admdvs,
       a.setl_id AS setl_a, a.begntime AS begn_a, a.endtime AS end_a, a.dise_codg AS dise,
       b.setl_id AS setl_b, b.begntime AS begn_b, b.endtime AS end_b,
       a.fund_pay_sumamt AS fund_a, b.fund_pay_sumamt AS fund_b, gap
ORDER BY psn_no, inst, begn_a
