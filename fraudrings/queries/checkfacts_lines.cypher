// Read model of the pre-settlement check: per person, every dispensed line (cnt > 0) of
// the drugs with a daily dose ($drugs), in a settlement that is not a refund, for the
// days of supply still left (the in_supply part of check_settlements). Times as
// microseconds since 1970 (local time taken as UTC; a null time stays null).
// params: $drugs (the med_list_codg of every drug with daily_units > 0)
// mode: read
MATCH (p:Person)
CALL (p) {
  MATCH (p)-[:SETTLED]->(s:Settlement)-[:HAS_LINE]->(l:FeeLine)
  WHERE NOT s:Refund AND s.begntime IS NOT NULL AND l.cnt > 0 AND l.med_list_codg IN $drugs
  WITH s, l, l.fee_ocur_time AS t
  RETURN collect([
    l.med_list_codg,
    datetime({datetime: s.begntime, timezone: 'Z'}).epochSeconds * 1000000 + s.begntime.microsecond,
    CASE WHEN t IS NULL THEN null
         ELSE datetime({datetime: t, timezone: 'Z'}).epochSeconds * 1000000 + t.microsecond END,
    l.cnt, l.setl_id
  ]) AS lines
}
WITH p, lines WHERE size(lines) > 0
RETURN p.psn_no AS psn_no, lines
