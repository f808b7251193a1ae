// Read model of the pre-settlement check: per person, every settlement (not a refund)
// at a physical place with coordinates, for the last visit before a pending one (the
// last_visit part of check_settlements). Times as microseconds since 1970 (local time
// taken as UTC): one list per person, so that millions of rows cross as few records.
// params: none
// mode: read
MATCH (p:Person)
CALL (p) {
  MATCH (p)-[:SETTLED]->(s:Settlement)-[:AT]->(i:Institution)
  WHERE NOT s:Refund AND s.begntime IS NOT NULL
    AND coalesce(i.online, '0') <> '1' AND i.lat IS NOT NULL
  WITH s, i, CASE WHEN s:Inpatient THEN s.begntime ELSE coalesce(s.endtime, s.begntime) END AS left
  RETURN collect([
    datetime({datetime: s.begntime, timezone: 'Z'}).epochSeconds * 1000000 + s.begntime.microsecond,
    s.setl_id, i.fixmedins_code,
    datetime({datetime: left, timezone: 'Z'}).epochSeconds * 1000000 + left.microsecond
  ]) AS visits
}
WITH p, visits WHERE size(visits) > 0
RETURN p.psn_no AS psn_no, visits
