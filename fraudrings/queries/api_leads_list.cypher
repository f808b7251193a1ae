// API: one page of leads inside the caller's region, filtered and sorted, with the
// total. A lead belongs to the region of its main place (l.region); the caller sees it
// when that code starts with the caller's region prefix ('' = the whole country).
// $member_id matches only a member the lead's detail shows the caller (whole, or as a
// party of a treatment in the region: see api_lead_get). $q, the search box: a lead
// whose id contains it (any case), or one with such a member whose key equals it
// (person number, institution, practitioner or supplier code, trace code) or, for an
// institution, whose name contains it.
// params: $region, $area, $typology, $status, $min_score, $min_amount, $assignee,
//         $include_inactive,
//         $date_from, $date_to (ISO dates; the lead's [first_seen, last_seen] overlaps),
//         $member_id, $q, $sort (score|amount_at_risk|first_seen|last_seen|member_count|
//         detected_at|lead_id), $desc, $skip, $limit
// mode: read
MATCH (l:Lead)
WHERE coalesce(l.region, '') STARTS WITH $region
  AND ($area IS NULL OR coalesce(l.region, '') STARTS WITH $area)
  AND ($typology IS NULL OR l.typology = $typology)
  AND ($status IS NULL OR coalesce(l.status, 'new') = $status)
  AND ($min_score IS NULL OR l.score >= $min_score)
  AND ($min_amount IS NULL OR coalesce(l.amount_at_risk, 0) >= $min_amount)
  AND ($assignee IS NULL OR l.assignee = $assignee)
  AND ($include_inactive OR coalesce(l.active, true))
  AND ($date_from IS NULL OR l.last_seen >= date($date_from))
  AND ($date_to IS NULL OR l.first_seen <= date($date_to))
CALL (l) {
  WITH l WHERE $member_id IS NOT NULL OR $q IS NOT NULL
  MATCH (l)-[:INVOLVES]->(m)
  WITH m, coalesce(m.psn_no, m.fixmedins_code, m.prac_code, m.entp_code, m.drug_trac_codg) AS key
  WHERE key IN [$member_id, $q]
     OR ($q IS NOT NULL AND m:Institution AND m.fixmedins_name CONTAINS $q)
  WITH m, key WHERE
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
        )
        OR (m:Person AND (
     EXISTS { MATCH (m)-[:SETTLED]->(:Settlement)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
     OR EXISTS { MATCH (m)<-[:FROM|TO]-(:BoxEvent)-[:FROM|TO]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }))
  RETURN count(CASE WHEN key = $member_id THEN 1 END) AS by_member,
         count(CASE WHEN key = $q OR (m:Institution AND m.fixmedins_name CONTAINS $q)
                    THEN 1 END) AS by_q
}
WITH l, by_member, by_q
WHERE ($member_id IS NULL OR by_member > 0)
  AND ($q IS NULL OR toLower(l.lead_id) CONTAINS toLower($q) OR by_q > 0)
WITH l, CASE $sort
          WHEN 'score' THEN l.score
          WHEN 'amount_at_risk' THEN l.amount_at_risk
          WHEN 'first_seen' THEN l.first_seen
          WHEN 'last_seen' THEN l.last_seen
          WHEN 'member_count' THEN l.member_count
          WHEN 'detected_at' THEN l.detected_at
          ELSE l.lead_id END AS k
ORDER BY CASE WHEN $desc THEN k END DESC, CASE WHEN NOT $desc THEN k END ASC, l.lead_id
WITH collect(l) AS ls
RETURN size(ls) AS total,
       [x IN ls[$skip..($skip + $limit)] | x {
          .lead_id, .typology, .score, .amount_at_risk, .first_seen, .last_seen,
          .status, .assignee, .region, .member_count, .active, .detected_at}] AS page
