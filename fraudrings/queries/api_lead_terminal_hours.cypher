// API, a lead's timeline: the card-reading terminals of a pooling lead, hour by hour.
// The terminals are those its evidence names (`terminal:<id> at <code>`) and, for a
// card-pooling lead, those its person members' cards went through at its member
// institutions (the busiest first); for each, every clock
// hour of the lead's span in which the terminal served a settlement: the cards (distinct
// persons) and settlements in that hour, and how many of those cards are the lead's.
// Held to the access policy: a terminal is shown when it served a settlement at an
// institution of the caller's region; online platforms are no counter.
// params: $lead_id, $region, $max_terminals
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
WITH l, [e IN coalesce(l.evidence, []) WHERE e STARTS WITH 'terminal:'
         | split(substring(e, 9), ' ')[0]] AS named
CALL (l, named) {
  MATCH (x:Terminal) WHERE x.terminal_id IN named
  RETURN x, 1000000 AS uses
  UNION
  WITH l WHERE l.typology = 'card_pooling'
  MATCH (l)-[:INVOLVES]->(i:Institution)<-[:AT]-(s:Settlement)<-[:SETTLED]-(p:Person)<-[:INVOLVES]-(l)
  MATCH (s)-[:VIA_TERMINAL]->(x:Terminal)
  RETURN x, count(s) AS uses
}
WITH l, x, max(uses) AS uses
WHERE $region = '' OR EXISTS {
        MATCH (x)<-[:VIA_TERMINAL]-(:Settlement)-[:AT]->(w:Institution)
        WHERE coalesce(w.admdvs, '') STARTS WITH $region }
WITH l, x ORDER BY uses DESC, x.terminal_id LIMIT $max_terminals
MATCH (x)<-[:VIA_TERMINAL]-(s:Settlement)
WHERE s.setl_time IS NOT NULL AND NOT s:Refund
  AND (l.first_seen IS NULL OR date(s.setl_time) >= l.first_seen)
  AND (l.last_seen IS NULL OR date(s.setl_time) <= l.last_seen)
  AND NOT EXISTS { (s)-[:AT]->(:OnlinePlatform) }
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
WITH l, x, s, i,
     EXISTS { MATCH (l)-[:INVOLVES]->(:Person {psn_no: s.psn_no}) } AS mine,
     toString(date(s.setl_time)) + 'T' + right('0' + toString(s.setl_time.hour), 2) + ':00' AS hour
WITH x, hour, collect(DISTINCT i.fixmedins_code) AS insts,
     count(s) AS settlements, count(DISTINCT s.psn_no) AS cards,
     count(DISTINCT CASE WHEN mine THEN s.psn_no END) AS lead_cards
ORDER BY x.terminal_id, hour
WITH x, collect({hour: hour, cards: cards, lead_cards: lead_cards, settlements: settlements})
     AS hours, collect(insts) AS inst_lists
RETURN x.terminal_id AS terminal_id,
       reduce(acc = [], xs IN inst_lists | acc + [c IN xs WHERE NOT c IN acc]) AS institutions,
       hours
ORDER BY terminal_id
