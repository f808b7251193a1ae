// API: one lead by id, only inside the caller's region (else no row, as for a missing
// id): its properties, members with their roles, and its workflow history, oldest first.
// params: $lead_id, $region
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
CALL (l) {
  OPTIONAL MATCH (l)-[r:INVOLVES]->(m)
  WITH r, m ORDER BY r.role, elementId(m)
  RETURN collect(CASE WHEN m IS NULL THEN null ELSE
           {role: r.role, eid: elementId(m), labels: labels(m), props: properties(m)} END) AS members
}
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_CHANGE]->(c:LeadChange)
  WITH c ORDER BY c.at, c.change_id
  RETURN collect(properties(c)) AS history
}
RETURN properties(l) AS lead, elementId(l) AS eid, members, history
