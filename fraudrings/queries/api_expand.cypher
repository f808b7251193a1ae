// API: one hop of a neighbourhood: the neighbours of the frontier nodes (by element
// id) that the caller's region may see (docs/security.md, "Access policy": persons by
// insu_admdvs, institutions and suppliers by admdvs, practitioners by their
// institution, boxes by an institution among the parties of their movements, a box
// movement by one of its own parties, settlements and fee lines by the treating
// institution or the insured person, phones and addresses by a person who holds them,
// terminals by the institution of their settlements, drugs always), at most $per_node per frontier
// node. A person of another region reached from a settlement or a box movement at an
// institution of the region is a party of that treatment: it comes back as a stub
// (psn_no, name, insu_admdvs, party: true) and is not expanded further. Leads, their
// history and referrals are not part of it.
// params: $eids, $region, $per_node, $limit
// mode: read
UNWIND $eids AS eid
MATCH (a) WHERE elementId(a) = eid
CALL (a) {
  MATCH (a)-[r]-(n)
  WHERE NOT (n:Lead OR n:LeadChange OR n:Referral)
  WITH a, r, n,
       ($region = ''
        OR (n:Person AND coalesce(n.insu_admdvs, '') STARTS WITH $region)
        OR (n:Institution AND coalesce(n.admdvs, '') STARTS WITH $region)
        OR (n:Supplier AND coalesce(n.admdvs, '') STARTS WITH $region)
        OR (n:Practitioner AND EXISTS {
             MATCH (n)-[:WORKS_AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })
        OR (n:Box AND EXISTS {
             MATCH (n)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
             WHERE coalesce(w.admdvs, '') STARTS WITH $region })
        OR (n:Settlement AND (
             EXISTS { MATCH (n)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
             OR EXISTS { MATCH (w:Person)-[:SETTLED]->(n) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region }))
        OR (n:FeeLine AND EXISTS {
             MATCH (s:Settlement)-[:HAS_LINE]->(n)
             WHERE EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
                OR EXISTS { MATCH (w:Person)-[:SETTLED]->(s) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region } })
        OR (n:BoxEvent AND EXISTS {
             MATCH (n)-[:FROM|TO]->(w)
             WHERE ((w:Institution OR w:Supplier) AND coalesce(w.admdvs, '') STARTS WITH $region)
                OR (w:Person AND coalesce(w.insu_admdvs, '') STARTS WITH $region) })
        OR (n:Phone AND EXISTS {
             MATCH (w:Person)-[:HAS_PHONE]->(n) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
        OR (n:Address AND EXISTS {
             MATCH (w:Person)-[:LIVES_AT]->(n) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
        OR (n:Terminal AND EXISTS {
             MATCH (s:Settlement)-[:VIA_TERMINAL]->(n)
             WHERE EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region } })
        OR n:Drug
       ) AS full
  WITH r, n, full, NOT full AND
       (n:Person
            AND ((a:Settlement AND EXISTS {
                   MATCH (a)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })
              OR (a:BoxEvent AND EXISTS {
                   MATCH (a)-[:FROM|TO]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }))) AS party
  WHERE full OR party
  RETURN r, n, party
  LIMIT $per_node
}
RETURN elementId(r) AS rid, type(r) AS type, elementId(startNode(r)) AS src,
       elementId(endNode(r)) AS dst, elementId(n) AS eid, labels(n) AS labels,
       CASE WHEN party THEN n {.psn_no, .psn_name, .insu_admdvs, party: true}
            ELSE properties(n) END AS props,
       party
LIMIT $limit
