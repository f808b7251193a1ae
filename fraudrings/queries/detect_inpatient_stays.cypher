// Every inpatient stay that stood (not a reversal, not reversed), with the person's
// home region, age, flags, phones and addresses and the institution's region, ordered
// by institution and admission time: the input of the admission-wave detector
// (拉拢住院 / 共同住院).
// params: (none)
// mode: read
MATCH (s:Inpatient)
WHERE NOT s:Refund AND s.begntime IS NOT NULL
  AND NOT EXISTS { (:Refund)-[:REVERSES]->(s) }
MATCH (p:Person)-[:SETTLED]->(s)
MATCH (s)-[:AT]->(i:Institution)
RETURN s.setl_id AS setl_id, p.psn_no AS psn_no, i.fixmedins_code AS inst,
       i.admdvs AS inst_admdvs, i.fixmedins_name AS inst_name,
       s.begntime AS begntime, s.endtime AS endtime, s.dise_codg AS dise,
       s.dr_codg AS dr, s.medfee_sumamt AS medfee, s.fund_pay_sumamt AS fund,
       p.insu_admdvs AS home, p.brdy AS brdy, p.psn_flags AS flags,
       [(p)-[:HAS_PHONE]->(t:Phone) | t.tel] AS tels,
       [(p)-[:LIVES_AT]->(a:Address) | a.addr] AS addrs
ORDER BY inst, begntime, setl_id
