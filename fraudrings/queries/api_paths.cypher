// API: the shortest paths (at most 6 hops, at most $max_paths of them) between two
// entities already found visible (by element id), through nodes that are all inside
// the caller's region. Leads and their history are not part of the graph searched.
// params: $a, $b, $region, $max_paths
// mode: read
MATCH (a) WHERE elementId(a) = $a
MATCH (b) WHERE elementId(b) = $b
MATCH p = allShortestPaths((a)-[*..6]-(b))
WHERE all(n IN nodes(p) WHERE NOT (n:Lead OR n:LeadChange)
      AND ($region = ''
       OR (n:Person AND coalesce(n.insu_admdvs, '') STARTS WITH $region)
       OR (n:Institution AND coalesce(n.admdvs, '') STARTS WITH $region)
       OR (n:Supplier AND coalesce(n.admdvs, '') STARTS WITH $region)
       OR (n:Practitioner AND EXISTS {
             MATCH (n)-[:WORKS_AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })
       OR (n:Box AND EXISTS {
             MATCH (n)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
             WHERE coalesce(w.admdvs, '') STARTS WITH $region })
       OR NOT (n:Person OR n:Institution OR n:Supplier OR n:Practitioner OR n:Box)))
WITH p LIMIT $max_paths
RETURN [n IN nodes(p) | {eid: elementId(n), labels: labels(n), props: properties(n)}] AS nodes,
       [r IN relationships(p) | {rid: elementId(r), type: type(r),
         src: elementId(startNode(r)), dst: elementId(endNode(r))}] AS rels
