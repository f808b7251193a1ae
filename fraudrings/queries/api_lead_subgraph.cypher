// API: what connects a lead's members, for drawing: a practitioner member's WORKS_AT
// edge to an institution member, and two-hop links between two members through one
// shared node (a settlement, a phone, an address, a box event, a fee line), searched
// from the person and box members only (never from a hub such as a drug or an
// institution). Region-scoped like the lead.
// params: $lead_id, $region, $per_member (links kept per member), $limit (links in all)
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
MATCH (l)-[:INVOLVES]->(m)
WITH collect(DISTINCT m) AS ms
UNWIND ms AS a
CALL (a, ms) {
  MATCH (a:Practitioner)-[r:WORKS_AT]->(b)
  WHERE b IN ms
  RETURN [{rid: elementId(r), type: type(r), src: elementId(a), dst: elementId(b)}] AS rels,
         [] AS via
  LIMIT $per_member
  UNION
  CALL (a) {
    WITH a WHERE a:Person OR a:Box
    MATCH (a)-[r1]-(x)
    WHERE NOT (x:Lead OR x:LeadChange OR x:Drug OR x:Institution)
    RETURN r1, x
  }
  MATCH (x)-[r2]-(b)
  WHERE b IN ms AND b <> a
  RETURN [{rid: elementId(r1), type: type(r1), src: elementId(startNode(r1)),
           dst: elementId(endNode(r1))},
          {rid: elementId(r2), type: type(r2), src: elementId(startNode(r2)),
           dst: elementId(endNode(r2))}] AS rels,
         [{eid: elementId(x), labels: labels(x), props: properties(x)}] AS via
  LIMIT $per_member
}
RETURN rels, via
LIMIT $limit
