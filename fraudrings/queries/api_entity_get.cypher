// API: the profile of one entity by kind and key, only inside the caller's region
// (else no row, as for a missing key): persons by insu_admdvs, institutions and
// suppliers by admdvs, practitioners by the institution they work at, boxes by any
// institution among the parties of their movements. With the caller's leads that
// involve it and its degree by relationship type (degree-store counts, no expansion).
// params: $kind (person|institution|practitioner|supplier|trace_code), $id, $region
// mode: read
OPTIONAL MATCH (p:Person {psn_no: $id}) WHERE $kind = 'person'
OPTIONAL MATCH (i:Institution {fixmedins_code: $id}) WHERE $kind = 'institution'
OPTIONAL MATCH (d:Practitioner {prac_code: $id}) WHERE $kind = 'practitioner'
OPTIONAL MATCH (s:Supplier {entp_code: $id}) WHERE $kind = 'supplier'
OPTIONAL MATCH (b:Box {drug_trac_codg: $id}) WHERE $kind = 'trace_code'
WITH coalesce(p, i, d, s, b) AS n
WHERE n IS NOT NULL
  AND ($region = ''
       OR (n:Person AND coalesce(n.insu_admdvs, '') STARTS WITH $region)
       OR (n:Institution AND coalesce(n.admdvs, '') STARTS WITH $region)
       OR (n:Supplier AND coalesce(n.admdvs, '') STARTS WITH $region)
       OR (n:Practitioner AND EXISTS {
             MATCH (n)-[:WORKS_AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })
       OR (n:Box AND EXISTS {
             MATCH (n)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
             WHERE coalesce(w.admdvs, '') STARTS WITH $region })
       OR NOT (n:Person OR n:Institution OR n:Supplier OR n:Practitioner OR n:Box))
CALL (n) {
  OPTIONAL MATCH (l:Lead)-[r:INVOLVES]->(n)
  WHERE coalesce(l.region, '') STARTS WITH $region
  WITH l, r ORDER BY l.score DESC, l.lead_id
  RETURN collect(CASE WHEN l IS NULL THEN null ELSE
           {lead_id: l.lead_id, typology: l.typology, score: l.score, status: l.status,
            active: l.active, role: r.role} END) AS leads
}
RETURN elementId(n) AS eid, labels(n) AS labels, properties(n) AS props, leads,
       {SETTLED: COUNT { (n)-[:SETTLED]-() }, AT: COUNT { (n)-[:AT]-() },
        TREATED_BY: COUNT { (n)-[:TREATED_BY]-() }, WORKS_AT: COUNT { (n)-[:WORKS_AT]-() },
        PRESCRIBED_BY: COUNT { (n)-[:PRESCRIBED_BY]-() },
        DISPENSED: COUNT { (n)-[:DISPENSED]-() }, HAS_EVENT: COUNT { (n)-[:HAS_EVENT]-() },
        FROM: COUNT { (n)<-[:FROM]-() }, TO: COUNT { (n)<-[:TO]-() },
        HAS_PHONE: COUNT { (n)-[:HAS_PHONE]-() }, LIVES_AT: COUNT { (n)-[:LIVES_AT]-() },
        FOR_DRUG: COUNT { (n)-[:FOR_DRUG]-() }} AS degree
