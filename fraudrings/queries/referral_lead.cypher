// Referral: one lead inside the caller's region, with every member's full record and
// its role in the lead. Identifiers come back unmasked: the referral package is the one
// place they are shown. No row for a lead outside the region, as for a missing id.
// params: $lead_id, $region
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
OPTIONAL MATCH (l)-[r:INVOLVES]->(m)
WITH l, r, m
ORDER BY r.role, coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg)
WITH l, collect(CASE WHEN m IS NULL THEN null ELSE {
       role: r.role,
       kind: CASE WHEN m:Person THEN 'person' WHEN m:Institution THEN 'institution'
                  WHEN m:Practitioner THEN 'practitioner' WHEN m:Supplier THEN 'supplier'
                  ELSE 'trace_code' END,
       id: coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg),
       props: properties(m)} END) AS members
RETURN properties(l) AS lead, members
