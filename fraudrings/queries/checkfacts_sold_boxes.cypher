// Read model of the pre-settlement check: a page of boxes in code order after $after,
// and among them those whose last sale or return is a sale (sold and not returned),
// with when (microseconds since 1970, local time taken as UTC), in which settlement and
// by whom. Same rule as the sold_boxes part of check_settlements. One record per page
// (the unique index gives the order and the seek), so millions of boxes cross as few
// records; the caller pages until last_code is null.
// params: $after (the last code of the previous page; '' for the first), $n (page size)
// mode: read
MATCH (b:Box) WHERE b.drug_trac_codg > $after
WITH b ORDER BY b.drug_trac_codg LIMIT $n
CALL (b) {
  OPTIONAL MATCH (b)-[:HAS_EVENT]->(e:BoxEvent)
  WHERE e:Sale OR e:Return
  WITH e ORDER BY e.event_time DESC LIMIT 1
  RETURN e AS last
}
OPTIONAL MATCH (last)-[:FROM]->(seller:Institution)
WITH b, last, seller, last.event_time AS t
RETURN max(b.drug_trac_codg) AS last_code,
       collect(CASE WHEN last:Sale THEN [
         b.drug_trac_codg,
         CASE WHEN t IS NULL THEN null
              ELSE datetime({datetime: t, timezone: 'Z'}).epochSeconds * 1000000 + t.microsecond
         END,
         last.setl_id, seller.fixmedins_code
       ] END) AS rows
