// Referral: one lead inside the caller's region, with every member's full record and
// its role in the lead. Identifiers come back unmasked: the referral package is the one
// place they are shown. No row for a lead outside the region, as for a missing id.
// Members are held to the access policy as in api_lead_get: whole when the caller's
// region sees them, a party of a treatment in the region as a stub (psn_no, name,
// insu_admdvs, party: true), any other member of another region left out.
// params: $lead_id, $region
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
OPTIONAL MATCH (l)-[r:INVOLVES]->(m)
WITH l, r, m,
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
WITH l, r, m, full, NOT full AND (m:Person AND (
         EXISTS { MATCH (m)-[:SETTLED]->(:Settlement)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
         OR EXISTS { MATCH (m)<-[:FROM|TO]-(:BoxEvent)-[:FROM|TO]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })) AS party
WITH l, CASE WHEN m IS NULL OR full OR party THEN r END AS r,
     CASE WHEN m IS NULL OR full OR party THEN m END AS m, party
ORDER BY r.role, coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg)
WITH l, collect(CASE WHEN m IS NULL THEN null ELSE {
       role: r.role,
       kind: CASE WHEN m:Person THEN 'person' WHEN m:Institution THEN 'institution'
                  WHEN m:Practitioner THEN 'practitioner' WHEN m:Supplier THEN 'supplier'
                  ELSE 'trace_code' END,
       id: coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg),
       props: CASE WHEN party THEN m {.psn_no, .psn_name, .insu_admdvs, party: true}
                   ELSE properties(m) END} END) AS members
RETURN properties(l) AS lead, members
