// Settlements that began after the person's death date (claims for the dead). A stay
// admitted before death and settled after it began before death, so it is not here;
// reversals and reversed settlements are left out. Starts from the person_death index.
// params: (none)
// mode: read
MATCH (p:Person)
WHERE p.death_date IS NOT NULL
MATCH (p)-[:SETTLED]->(s:Settlement)
WHERE NOT s:Refund AND s.begntime IS NOT NULL AND date(s.begntime) > p.death_date
  AND NOT EXISTS { (:Refund)-[:REVERSES]->(s) }
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
RETURN p.psn_no AS psn_no, p.death_date AS death_date, p.insu_admdvs AS home,
       s.setl_id AS setl_id, s.begntime AS begntime, s.med_type AS med_type,
       s.fund_pay_sumamt AS fund, s.dr_codg AS dr,
       i.fixmedins_code AS inst, i.admdvs AS inst_admdvs
ORDER BY psn_no, begntime, setl_id
