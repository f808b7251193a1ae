// API: the shortest paths (at most $max_hops hops, 1 to 6, at most $max_paths of them)
// between two entities already found visible (by element id), through nodes that the
// caller's region may all see whole (the access policy of api_expand; no party stubs
// on a path). A variable-length bound cannot be a parameter, so each bound has its own
// branch and only the one $max_hops names runs. Leads, their history and referrals are
// not part of the graph searched.
// params: $a, $b, $region, $max_hops, $max_paths
// mode: read
MATCH (a) WHERE elementId(a) = $a
MATCH (b) WHERE elementId(b) = $b
CALL (a, b) {
  WITH a, b WHERE $max_hops = 1
  MATCH p = allShortestPaths((a)-[*..1]-(b))
  WHERE all(n IN nodes(p) WHERE NOT (n:Lead OR n:LeadChange OR n:Referral) AND
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
            ))
  RETURN p
  UNION ALL
  WITH a, b WHERE $max_hops = 2
  MATCH p = allShortestPaths((a)-[*..2]-(b))
  WHERE all(n IN nodes(p) WHERE NOT (n:Lead OR n:LeadChange OR n:Referral) AND
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
            ))
  RETURN p
  UNION ALL
  WITH a, b WHERE $max_hops = 3
  MATCH p = allShortestPaths((a)-[*..3]-(b))
  WHERE all(n IN nodes(p) WHERE NOT (n:Lead OR n:LeadChange OR n:Referral) AND
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
            ))
  RETURN p
  UNION ALL
  WITH a, b WHERE $max_hops = 4
  MATCH p = allShortestPaths((a)-[*..4]-(b))
  WHERE all(n IN nodes(p) WHERE NOT (n:Lead OR n:LeadChange OR n:Referral) AND
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
            ))
  RETURN p
  UNION ALL
  WITH a, b WHERE $max_hops = 5
  MATCH p = allShortestPaths((a)-[*..5]-(b))
  WHERE all(n IN nodes(p) WHERE NOT (n:Lead OR n:LeadChange OR n:Referral) AND
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
            ))
  RETURN p
  UNION ALL
  WITH a, b WHERE $max_hops = 6
  MATCH p = allShortestPaths((a)-[*..6]-(b))
  WHERE all(n IN nodes(p) WHERE NOT (n:Lead OR n:LeadChange OR n:Referral) AND
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
            ))
  RETURN p
}
WITH p LIMIT $max_paths
RETURN [n IN nodes(p) | {eid: elementId(n), labels: labels(n), props: properties(n)}] AS nodes,
       [r IN relationships(p) | {rid: elementId(r), type: type(r),
         src: elementId(startNode(r)), dst: elementId(endNode(r))}] AS rels
