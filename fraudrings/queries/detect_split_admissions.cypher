// 分解住院 candidates: each discharge followed by the same person's next admission (at
// the same or another institution) within $max_gap_days, as consecutive pairs of stays
// that stood, with both diagnoses, both institutions and their levels, and both lengths:
// the detector tells splits from planned cycles, per-session stays and transfers up.
// params: $max_gap_days
// mode: read
MATCH (s:Inpatient)
WHERE NOT s:Refund AND s.begntime IS NOT NULL AND s.endtime IS NOT NULL
  AND NOT EXISTS { (:Refund)-[:REVERSES]->(s) }
MATCH (p:Person)-[:SETTLED]->(s)
WITH p, s ORDER BY s.begntime, s.setl_id
WITH p, collect(s) AS ss
WHERE size(ss) >= 2
UNWIND range(0, size(ss) - 2) AS k
WITH p, ss[k] AS a, ss[k + 1] AS b
WITH p, a, b, duration.inSeconds(a.endtime, b.begntime).seconds / 86400.0 AS gap
WHERE gap >= 0 AND gap <= $max_gap_days
OPTIONAL MATCH (ia:Institution {fixmedins_code: a.fixmedins_code})
OPTIONAL MATCH (ib:Institution {fixmedins_code: b.fixmedins_code})
RETURN p.psn_no AS psn_no, p.insu_admdvs AS home,
       a.fixmedins_code AS inst, ia.admdvs AS inst_admdvs, ia.hosp_lv AS lv_a,
       b.fixmedins_code AS inst_b, ib.hosp_lv AS lv_b,
       a.setl_id AS setl_a, a.begntime AS begn_a, a.endtime AS end_a, a.dise_codg AS dise,
       b.setl_id AS setl_b, b.begntime AS begn_b, b.endtime AS end_b, b.dise_codg AS dise_b,
       a.fund_pay_sumamt AS fund_a, b.fund_pay_sumamt AS fund_b, gap
ORDER BY psn_no, begn_a
