// Every lead of one typology with its member keys, active or not: detection matches
// its new drafts against these so a lead keeps its id across reruns.
// params: $typology
// mode: read
MATCH (l:Lead)
WHERE l.typology = $typology
OPTIONAL MATCH (l)-[r:INVOLVES]->(m)
WITH l, collect(CASE WHEN m IS NULL THEN null ELSE {
       kind: CASE WHEN m:Person THEN 'person' WHEN m:Institution THEN 'institution'
                  WHEN m:Practitioner THEN 'practitioner' WHEN m:Supplier THEN 'supplier'
                  ELSE 'trace_code' END,
       id: coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg)} END) AS members
RETURN l.lead_id AS lead_id, members
ORDER BY lead_id
