// API: one lead by id, only inside the caller's region (else no row, as for a missing
// id): its properties, members with their roles, and its workflow history, oldest first.
// Members are held to the access policy (docs/security.md): a member the caller's
// region may see comes whole; a person of another region who was treated (a
// settlement, or a box sold or returned) at an institution of the region is a party of
// that treatment and comes as a stub (psn_no, name, insu_admdvs, party: true); any
// other member of another region is left out (member_count still counts it).
// params: $lead_id, $region
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
CALL (l) {
  OPTIONAL MATCH (l)-[r:INVOLVES]->(m)
  WITH r, m,
       ($region = ''
        OR (m:Person AND coalesce(m.insu_admdvs, '') STARTS WITH $region)
        OR (m:Institution AND coalesce(m.admdvs, '') STARTS WITH $region)
        OR (m:Supplier AND coalesce(m.admdvs, '') STARTS WITH $region)
        OR (m:Practitioner AND EXISTS {
             MATCH (m)-[:WORKS_AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })
        OR (m:Box AND EXISTS {
             MATCH (m)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
             WHERE coalesce(w.admdvs, '') STARTS WITH $region })
        OR (m:Settlement AND (
             EXISTS { MATCH (m)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
             OR EXISTS { MATCH (w:Person)-[:SETTLED]->(m) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region }))
        OR (m:FeeLine AND EXISTS {
             MATCH (s:Settlement)-[:HAS_LINE]->(m)
             WHERE EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
                OR EXISTS { MATCH (w:Person)-[:SETTLED]->(s) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region } })
        OR (m:BoxEvent AND EXISTS {
             MATCH (m)-[:FROM|TO]->(w)
             WHERE ((w:Institution OR w:Supplier) AND coalesce(w.admdvs, '') STARTS WITH $region)
                OR (w:Person AND coalesce(w.insu_admdvs, '') STARTS WITH $region) })
        OR (m:Phone AND EXISTS {
             MATCH (w:Person)-[:HAS_PHONE]->(m) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
        OR (m:Address AND EXISTS {
             MATCH (w:Person)-[:LIVES_AT]->(m) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
        OR (m:Terminal AND EXISTS {
             MATCH (s:Settlement)-[:VIA_TERMINAL]->(m)
             WHERE EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region } })
        OR m:Drug
       ) AS full
  WITH r, m, full, NOT full AND
       (m:Person AND (
         EXISTS { MATCH (m)-[:SETTLED]->(:Settlement)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
         OR EXISTS { MATCH (m)<-[:FROM|TO]-(:BoxEvent)-[:FROM|TO]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })) AS party
  WHERE m IS NULL OR full OR party
  WITH r, m, party ORDER BY r.role, elementId(m)
  RETURN collect(CASE WHEN m IS NULL THEN null ELSE
           {role: r.role, eid: elementId(m), labels: labels(m),
            props: CASE WHEN party THEN m {.psn_no, .psn_name, .insu_admdvs, party: true}
                        ELSE properties(m) END} END) AS members
}
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_CHANGE]->(c:LeadChange)
  WITH c ORDER BY c.at, c.change_id
  RETURN collect(properties(c)) AS history
}
RETURN properties(l) AS lead, elementId(l) AS eid, members, history
