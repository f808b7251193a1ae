// Consecutive visits of one person at two institutions too far apart for the time
// between them (时空异常). Online platforms are not places; an inpatient stay holds the
// person from admission (its settlement may come later), other visits until they end.
// Plausible travel: the fastest of a car at $car_kmh over the straight line, rail at
// $ground_kmh plus $rail_overhead_h hours, a flight at $flight_kmh plus
// $flight_overhead_h hours. Pairs closer than $min_km are never flagged. A later
// visit stamped at exactly midnight carries a date, not a time: it may have been any
// time that day, so the time between is taken as the most it could be.
// params: $min_km, $car_kmh, $ground_kmh, $rail_overhead_h, $flight_kmh, $flight_overhead_h
// mode: read
// Each person's visits are sorted inside a per-person subquery, so memory holds one
// person's visits at a time rather than every settlement of the graph.
MATCH (p:Person)
CALL (p) {
  MATCH (p)-[:SETTLED]->(s:Settlement)-[:AT]->(i:Institution)
  WHERE NOT s:Refund AND s.begntime IS NOT NULL AND coalesce(i.online, '0') <> '1'
    AND i.lat IS NOT NULL AND i.lon IS NOT NULL
  WITH s, i ORDER BY s.begntime, s.setl_id
  RETURN collect({setl_id: s.setl_id, inst: i.fixmedins_code, admdvs: i.admdvs,
                  lat: i.lat, lon: i.lon, begn: s.begntime, fund: s.fund_pay_sumamt,
                  left_at: CASE WHEN s:Inpatient THEN s.begntime
                                ELSE coalesce(s.endtime, s.begntime) END}) AS ev
}
WITH p, ev
WHERE size(ev) >= 2
UNWIND range(0, size(ev) - 2) AS k
WITH p, ev[k] AS a, ev[k + 1] AS b
WHERE a.inst <> b.inst
WITH p, a, b,
     point.distance(point({latitude: a.lat, longitude: a.lon}),
                    point({latitude: b.lat, longitude: b.lon})) / 1000.0 AS km,
     duration.inSeconds(a.left_at, b.begn).seconds / 3600.0
       + CASE WHEN b.begn.hour = 0 AND b.begn.minute = 0 AND b.begn.second = 0
              THEN 24.0 ELSE 0.0 END AS hours
WITH p, a, b, km, hours,
     reduce(m = km / $car_kmh, x IN [km / $ground_kmh + $rail_overhead_h,
                                      km / $flight_kmh + $flight_overhead_h] |
            CASE WHEN x < m THEN x ELSE m END) AS needed
WHERE km >= $min_km AND hours < needed
RETURN p.psn_no AS psn_no, p.insu_admdvs AS home,
       a.setl_id AS setl_a, a.inst AS inst_a, a.admdvs AS admdvs_a, a.begn AS time_a,
       b.setl_id AS setl_b, b.inst AS inst_b, b.admdvs AS admdvs_b, b.begn AS time_b,
       b.fund AS fund_b, km, hours, needed
ORDER BY psn_no, time_a
