// API: what connects a lead's members, for drawing: a practitioner member's WORKS_AT
// edge to an institution member, and two-hop links between two members through one
// shared node (a settlement, a phone, an address, a box event, a fee line), searched
// from the person and box members only (never from a hub such as a drug or an
// institution). Held to the access policy like api_lead_get: links start only from
// members the caller's region sees whole, and pass only through nodes it may see; the
// member at the other end is one api_lead_get returned (whole or as a party).
// The ring's structure comes whole: every member's phone and address shared with another
// member, each person's link to a terminal another member's card also went through, the
// terminals at a member institution that its evidence names (card pooling naming none:
// those the members' cards went through there) (TERMINAL_AT, terminal -> institution), each
// person's link to the member institutions they settled at (VISITED) and each box's to
// the members it passed between (MOVED), one per pair, and practitioners' workplaces.
// A person member linked to no other member (a lone buyer, say) is drawn where he was
// treated: his settlements at institutions the caller's region sees, each with its
// treating practitioner when the region sees him; when his `pattern:` evidence names
// drugs, only the settlements that bought one of them.
// Only the links through events (settlements, box events, fee lines) are capped:
// $per_member per member and $limit in all, every member's first before anyone's second.
// params: $lead_id, $region, $per_member (event links kept per member), $limit (event links in all)
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
MATCH (l)-[:INVOLVES]->(m)
WITH l, m,
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
WHERE full OR (m:Person AND (
         EXISTS { MATCH (m)-[:SETTLED]->(:Settlement)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
         OR EXISTS { MATCH (m)<-[:FROM|TO]-(:BoxEvent)-[:FROM|TO]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }))
WITH l, collect(DISTINCT m) AS ms, collect(DISTINCT CASE WHEN full THEN m END) AS whole
UNWIND whole AS a
CALL (a, ms, l) {
  MATCH (a:Practitioner)-[r:WORKS_AT]->(b)
  WHERE b IN ms
  RETURN [{rid: elementId(r), type: type(r), src: elementId(a), dst: elementId(b)}] AS rels,
         [] AS via, 0 AS pri
  LIMIT $per_member
  UNION
  MATCH (a:Person)-[r1:HAS_PHONE|LIVES_AT]->(x)
  WHERE EXISTS { MATCH (x)<-[:HAS_PHONE|LIVES_AT]-(b) WHERE b IN ms AND b <> a }
  RETURN [{rid: elementId(r1), type: type(r1), src: elementId(a), dst: elementId(x)}] AS rels,
         [{eid: elementId(x), labels: labels(x), props: properties(x)}] AS via, 0 AS pri
  UNION
  MATCH (a:Person)-[:SETTLED]->(:Settlement)-[:VIA_TERMINAL]->(x:Terminal)
  WHERE EXISTS { MATCH (x)<-[:VIA_TERMINAL]-(:Settlement)<-[:SETTLED]-(b) WHERE b IN ms AND b <> a }
    AND ($region = '' OR EXISTS {
          MATCH (s:Settlement)-[:VIA_TERMINAL]->(x)
          WHERE EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region } })
  WITH DISTINCT a, x
  RETURN [{rid: 'used:' + elementId(a) + '>' + elementId(x), type: 'USED_TERMINAL',
           src: elementId(a), dst: elementId(x)}] AS rels,
         [{eid: elementId(x), labels: labels(x), props: properties(x)}] AS via, 0 AS pri
  UNION
  MATCH (a:Person)-[:SETTLED]->(:Settlement)-[:AT]->(b)
  WHERE b IN ms
  WITH DISTINCT a, b
  RETURN [{rid: 'visited:' + elementId(a) + '>' + elementId(b), type: 'VISITED',
           src: elementId(a), dst: elementId(b)}] AS rels,
         [] AS via, 0 AS pri
  UNION
  WITH a, ms, [e IN coalesce(l.evidence, []) WHERE e STARTS WITH 'terminal:'
               | split(substring(e, 9), ' ')[0]] AS named, l.typology = 'card_pooling' AS pool
  MATCH (a:Institution)<-[:AT]-(s:Settlement)-[:VIA_TERMINAL]->(x:Terminal)
  WHERE x.terminal_id IN named
     OR (named = [] AND pool AND EXISTS { MATCH (s)<-[:SETTLED]-(p:Person) WHERE p IN ms })
  WITH DISTINCT a, x
  RETURN [{rid: 'terminal_at:' + elementId(x) + '>' + elementId(a), type: 'TERMINAL_AT',
           src: elementId(x), dst: elementId(a)}] AS rels,
         [{eid: elementId(x), labels: labels(x), props: properties(x)}] AS via, 0 AS pri
  UNION
  MATCH (a:Box)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(b)
  WHERE b IN ms AND b <> a
  WITH DISTINCT a, b
  RETURN [{rid: 'moved:' + elementId(a) + '>' + elementId(b), type: 'MOVED',
           src: elementId(a), dst: elementId(b)}] AS rels,
         [] AS via, 0 AS pri
  UNION
  CALL (a) {
    WITH a WHERE a:Person OR a:Box
    MATCH (a)-[r1]-(x)
    WHERE NOT (x:Lead OR x:LeadChange OR x:Drug OR x:Institution OR x:Referral OR x:Phone OR x:Address)
      AND
        ($region = ''
         OR (x:Person AND coalesce(x.insu_admdvs, '') STARTS WITH $region)
         OR (x:Institution AND coalesce(x.admdvs, '') STARTS WITH $region)
         OR (x:Supplier AND coalesce(x.admdvs, '') STARTS WITH $region)
         OR (x:Practitioner AND EXISTS {
              MATCH (x)-[:WORKS_AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })
         OR (x:Box AND EXISTS {
              MATCH (x)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
              WHERE coalesce(w.admdvs, '') STARTS WITH $region })
         OR (x:Settlement AND (
              EXISTS { MATCH (x)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
              OR EXISTS { MATCH (w:Person)-[:SETTLED]->(x) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region }))
         OR (x:FeeLine AND EXISTS {
              MATCH (s:Settlement)-[:HAS_LINE]->(x)
              WHERE EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
                 OR EXISTS { MATCH (w:Person)-[:SETTLED]->(s) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region } })
         OR (x:BoxEvent AND EXISTS {
              MATCH (x)-[:FROM|TO]->(w)
              WHERE ((w:Institution OR w:Supplier) AND coalesce(w.admdvs, '') STARTS WITH $region)
                 OR (w:Person AND coalesce(w.insu_admdvs, '') STARTS WITH $region) })
         OR (x:Phone AND EXISTS {
              MATCH (w:Person)-[:HAS_PHONE]->(x) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
         OR (x:Address AND EXISTS {
              MATCH (w:Person)-[:LIVES_AT]->(x) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
         OR (x:Terminal AND EXISTS {
              MATCH (s:Settlement)-[:VIA_TERMINAL]->(x)
              WHERE EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region } })
         OR x:Drug
        )
    RETURN r1, x
  }
  MATCH (x)-[r2]-(b)
  WHERE b IN ms AND b <> a
  RETURN [{rid: elementId(r1), type: type(r1), src: elementId(startNode(r1)),
           dst: elementId(endNode(r1))},
          {rid: elementId(r2), type: type(r2), src: elementId(startNode(r2)),
           dst: elementId(endNode(r2))}] AS rels,
         [{eid: elementId(x), labels: labels(x), props: properties(x)}] AS via, 1 AS pri
  LIMIT $per_member
  UNION
  WITH a, l WHERE a:Person
    AND NOT EXISTS { MATCH (a)-[:SETTLED]->(:Settlement)-[:AT]->(b) WHERE b IN ms }
    AND NOT EXISTS {
          MATCH (a)-[:HAS_PHONE|LIVES_AT]->()<-[:HAS_PHONE|LIVES_AT]-(b) WHERE b IN ms AND b <> a }
    AND NOT EXISTS {
          MATCH (a)--(x)--(b)
          WHERE b IN ms AND b <> a
            AND NOT (x:Lead OR x:Drug OR x:Institution OR x:Phone OR x:Address) }
    AND NOT EXISTS {
          MATCH (a)-[:SETTLED]->(:Settlement)-[:VIA_TERMINAL]->(:Terminal)
                <-[:VIA_TERMINAL]-(:Settlement)<-[:SETTLED]-(b)
          WHERE b IN ms AND b <> a }
  WITH a, [e IN coalesce(l.evidence, []) WHERE e STARTS WITH 'pattern:' + a.psn_no + ' drug '
           | split(e, ' ')[2]] AS drugs
  MATCH (a)-[r1:SETTLED]->(s:Settlement)-[r2:AT]->(b:Institution)
  WHERE ($region = '' OR coalesce(b.admdvs, '') STARTS WITH $region)
    AND (drugs = [] OR EXISTS {
          MATCH (s)-[:HAS_LINE]->(fl:FeeLine) WHERE fl.med_list_codg IN drugs })
  WITH a, r1, s, r2, b ORDER BY s.setl_time, s.setl_id LIMIT $per_member
  OPTIONAL CALL (s) {
    MATCH (s)-[r3:TREATED_BY]->(d:Practitioner)
    WHERE $region = '' OR EXISTS {
            MATCH (d)-[:WORKS_AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
    RETURN r3, d LIMIT 1
  }
  RETURN [{rid: elementId(r1), type: type(r1), src: elementId(a), dst: elementId(s)},
          {rid: elementId(r2), type: type(r2), src: elementId(s), dst: elementId(b)}]
         + CASE WHEN d IS NULL THEN [] ELSE
             [{rid: elementId(r3), type: type(r3), src: elementId(s), dst: elementId(d)}] END
         AS rels,
         [{eid: elementId(s), labels: labels(s), props: properties(s)},
          {eid: elementId(b), labels: labels(b), props: properties(b)}]
         + CASE WHEN d IS NULL THEN [] ELSE
             [{eid: elementId(d), labels: labels(d), props: properties(d)}] END AS via,
         1 AS pri
}
WITH a, pri, collect({rels: rels, via: via}) AS rs
UNWIND range(0, size(rs) - 1) AS i
WITH pri, i, rs[i] AS row
ORDER BY pri, i
WITH pri, collect(row) AS rows
UNWIND (CASE WHEN pri = 0 THEN rows ELSE rows[0..$limit] END) AS row
RETURN row.rels AS rels, row.via AS via
