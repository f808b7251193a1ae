// Persons admitted to the same institution within a window of each other (共同住院):
// pairs of inpatient admissions whose begntime differ by at most $window_hours.
// Index-backed by inpatient_admission (fixmedins_code, begntime).
// params: $fixmedins_code, $from, $to (admission time range), $window_hours, $limit
// mode: read
MATCH (a:Inpatient)
WHERE a.fixmedins_code = $fixmedins_code AND a.begntime >= $from AND a.begntime < $to
MATCH (b:Inpatient)
WHERE b.fixmedins_code = $fixmedins_code
  AND b.begntime >= a.begntime
  AND b.begntime <= a.begntime + duration({hours: $window_hours})
  AND b.setl_id > a.setl_id
MATCH (pa:Person)-[:SETTLED]->(a)
MATCH (pb:Person)-[:SETTLED]->(b)
WHERE pa <> pb
RETURN pa.psn_no AS psn_a, a.setl_id AS setl_a, a.begntime AS begn_a,
       pb.psn_no AS psn_b, b.setl_id AS setl_b, b.begntime AS begn_b
ORDER BY begn_a, setl_a, setl_b
LIMIT $limit
