// Card-pooling candidates (敛卡套刷), step 1: terminal-hours where at least
// $min_hour_persons settlements fell within one clock hour (on the hour, or on the half
// hour so a burst across the hour is not split), and the time and person of every
// settlement that terminal served in and around those hours (properties only: the
// detector finds the bursts in Python). Card pooling needs a card in a reader or a
// credential scanned at a counter: an online platform's orders (thousands a night) are
// never candidates.
// params: $min_hour_persons
// mode: read
MATCH (s:Settlement)
WHERE s.terminal_id IS NOT NULL AND s.setl_time IS NOT NULL AND NOT s:Refund
  AND NOT EXISTS { (s)-[:AT]->(:OnlinePlatform) }
WITH s.terminal_id AS term,
     s.setl_time.year * 20000 + s.setl_time.ordinalDay * 48 + s.setl_time.hour * 2
       + s.setl_time.minute / 30 AS half_hour
UNWIND [half_hour / 2, -((half_hour + 1) / 2)] AS b
WITH term, b, count(*) AS n
WHERE n >= $min_hour_persons
UNWIND CASE WHEN b >= 0 THEN [b - 1, b, b + 1] ELSE [-b - 2, -b - 1, -b, -b + 1] END AS hour
WITH term, collect(DISTINCT hour) AS hours
MATCH (:Terminal {terminal_id: term})<-[:VIA_TERMINAL]-(x:Settlement)
WHERE x.setl_time IS NOT NULL AND NOT x:Refund
  AND NOT EXISTS { (x)-[:AT]->(:OnlinePlatform) }
  AND (x.setl_time.year * 20000 + x.setl_time.ordinalDay * 48 + x.setl_time.hour * 2) / 2
      IN hours
RETURN term AS terminal, x.setl_id AS setl_id, x.setl_time AS time, x.psn_no AS psn_no,
       x.fixmedins_code AS inst
ORDER BY terminal, time, setl_id
