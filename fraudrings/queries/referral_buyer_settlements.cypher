// Referral: for a prescription-buyer lead, every settlement in which a buyer bought the
// high-value drug the lead names for them (all of them, not only those quoted in the
// lead's evidence), so the amount rule sees the whole purchase history.
// Starts from the settlement_person index.
// params: $pairs [{psn_no, drug}]
// mode: read
UNWIND $pairs AS pair
MATCH (s:Settlement)
WHERE s.psn_no = pair.psn_no
MATCH (s)-[:HAS_LINE]->(fl:FeeLine)
WHERE fl.med_list_codg = pair.drug
RETURN DISTINCT s.setl_id AS setl_id
ORDER BY setl_id
