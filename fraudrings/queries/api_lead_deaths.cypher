// API, a lead's timeline: each person member with a death date, and every settlement of
// his that began at least $min_days_after days after it (the ones the claims-for-the-dead
// model counts: reversals and reversed settlements left out), with the institution.
// Held to the access policy like api_lead_subgraph: the person is one the caller's region
// sees whole; a settlement is shown when it was at an institution of the region or the
// person is insured there.
// params: $lead_id, $region, $min_days_after
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
MATCH (l)-[:INVOLVES]->(p:Person)
WHERE p.death_date IS NOT NULL
  AND ($region = '' OR coalesce(p.insu_admdvs, '') STARTS WITH $region)
OPTIONAL CALL (p) {
  MATCH (p)-[:SETTLED]->(s:Settlement)
  WHERE NOT s:Refund AND s.begntime IS NOT NULL
    AND date(s.begntime) >= p.death_date + duration({days: $min_days_after})
    AND NOT EXISTS { (:Refund)-[:REVERSES]->(s) }
  OPTIONAL MATCH (s)-[:AT]->(i:Institution)
  WITH s, i ORDER BY s.begntime, s.setl_id
  RETURN collect({setl_id: s.setl_id, begntime: s.begntime, endtime: s.endtime,
                  setl_time: s.setl_time, med_type: s.med_type,
                  fund: s.fund_pay_sumamt, medfee: s.medfee_sumamt,
                  inst: i.fixmedins_code, inst_name: i.fixmedins_name}) AS settlements
}
RETURN p.psn_no AS psn_no, p.death_date AS death_date, settlements
ORDER BY psn_no
