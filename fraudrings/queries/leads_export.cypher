// Leads in the contract's export shape: members with kind, id and role; highest score
// first, ties by id so the order is stable.
// params: $include_inactive
// mode: read
MATCH (l:Lead)
WHERE $include_inactive OR l.active
OPTIONAL MATCH (l)-[r:INVOLVES]->(m)
WITH l, r, m
ORDER BY r.role, coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg)
WITH l, collect(CASE WHEN m IS NULL THEN null ELSE {
       kind: CASE WHEN m:Person THEN 'person' WHEN m:Institution THEN 'institution'
                  WHEN m:Practitioner THEN 'practitioner' WHEN m:Supplier THEN 'supplier'
                  ELSE 'trace_code' END,
       id: coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg),
       role: r.role} END) AS members
RETURN l.lead_id AS lead_id, l.typology AS typology, l.score AS score,
       l.amount_at_risk AS amount_at_risk, l.evidence AS evidence,
       l.reasons_json AS reasons_json, l.first_seen AS first_seen, l.last_seen AS last_seen,
       l.region AS region, l.status AS status, l.active AS active, members
ORDER BY score DESC, lead_id
