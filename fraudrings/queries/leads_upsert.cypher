// Create or update leads found by a detection run. A new lead starts as 'new'; an
// existing one keeps its status, assignee and history and gets the run's score,
// reasons, evidence and members (INVOLVES {role}), which replace the previous ones.
// Members get the lead id written back as their community of that typology: the
// `communities` list property holds one "typology=lead_id" entry per typology.
// params: $rows [{lead_id, typology, score, amount_at_risk, first_seen, last_seen, region,
//                 regions, reasons_json, evidence, member_count, run_id,
//                 members: [{kind, id, role}]}], $first_status (from the vocabulary)
// mode: write
UNWIND $rows AS row
MERGE (l:Lead {lead_id: row.lead_id})
  ON CREATE SET l.status = $first_status, l.created_at = datetime(), l.assignee = null
SET l.typology = row.typology,
    l.score = row.score,
    l.amount_at_risk = row.amount_at_risk,
    l.first_seen = date(row.first_seen),
    l.last_seen = date(row.last_seen),
    l.region = row.region,
    l.regions = row.regions,
    l.reasons_json = row.reasons_json,
    l.evidence = row.evidence,
    l.member_count = row.member_count,
    l.run_id = row.run_id,
    l.active = true,
    l.detected_at = datetime()
WITH l, row
CALL (l) {
  MATCH (l)-[r:INVOLVES]->()
  DELETE r
}
CALL (l, row) {
  UNWIND row.members AS m
  OPTIONAL MATCH (p:Person {psn_no: m.id}) WHERE m.kind = 'person'
  OPTIONAL MATCH (i:Institution {fixmedins_code: m.id}) WHERE m.kind = 'institution'
  OPTIONAL MATCH (d:Practitioner {prac_code: m.id}) WHERE m.kind = 'practitioner'
  OPTIONAL MATCH (s:Supplier {entp_code: m.id}) WHERE m.kind = 'supplier'
  OPTIONAL MATCH (b:Box {drug_trac_codg: m.id}) WHERE m.kind = 'trace_code'
  WITH l, row, m, coalesce(p, i, d, s, b) AS x
  WHERE x IS NOT NULL
  MERGE (l)-[r:INVOLVES]->(x)
  SET r.role = m.role
  WITH row, x, row.typology + '=' + l.lead_id AS tag
  SET x.communities = [c IN coalesce(x.communities, []) WHERE NOT c STARTS WITH row.typology + '='] + tag
}
