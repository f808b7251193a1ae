// Referral: for a prescription-buyer lead, every settlement in which a buyer bought the
// high-value drug the lead names for them (all of them, not only those quoted in the
// lead's evidence), so the amount rule sees the whole purchase history.
// Starts from the settlement_person index. Only settlements the caller's region may see
// (as referral_settlements).
// params: $pairs [{psn_no, drug}], $region
// mode: read
UNWIND $pairs AS pair
MATCH (s:Settlement)
WHERE s.psn_no = pair.psn_no
  AND ($region = ''
       OR EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
       OR EXISTS { MATCH (w:Person)-[:SETTLED]->(s) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
MATCH (s)-[:HAS_LINE]->(fl:FeeLine)
WHERE fl.med_list_codg = pair.drug
RETURN DISTINCT s.setl_id AS setl_id
ORDER BY setl_id
