// API: one hop of a neighbourhood: the neighbours of the frontier nodes (by element
// id) that lie inside the caller's region (the same rules as api_entity_get; nodes of
// other kinds, such as settlements, are reachable only through a visible node), at
// most $per_node per frontier node. Leads and their history are not part of it.
// params: $eids, $region, $per_node, $limit
// mode: read
UNWIND $eids AS eid
MATCH (a) WHERE elementId(a) = eid
CALL (a) {
  MATCH (a)-[r]-(n)
  WHERE NOT (n:Lead OR n:LeadChange)
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
  RETURN r, n
  LIMIT $per_node
}
RETURN elementId(r) AS rid, type(r) AS type, elementId(startNode(r)) AS src,
       elementId(endNode(r)) AS dst, elementId(n) AS eid, labels(n) AS labels,
       properties(n) AS props
LIMIT $limit
