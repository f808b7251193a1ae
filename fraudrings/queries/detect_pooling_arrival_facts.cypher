// Card-pooling surges (敛卡套刷), what explains an arrival: for the given settlements,
// the household (the address the person lives at, else the person), whether the
// person's own visit to a doctor (a settlement at a hospital or clinic in the 24 hours
// before) brought a prescription, and on how many days the person settled at that
// pharmacy at all (its regulars).
// params: $setl_ids
// mode: read
UNWIND $setl_ids AS id
MATCH (p:Person)-[:SETTLED]->(x:Settlement {setl_id: id})-[:AT]->(i:Institution)
OPTIONAL MATCH (p)-[:LIVES_AT]->(a)
WITH i, x, p, min(a.addr) AS addr
RETURN x.setl_id AS setl_id, coalesce(addr, x.psn_no) AS household,
       EXISTS {
         MATCH (p)-[:SETTLED]->(v:Settlement)-[:AT]->(:Hospital)
         WHERE NOT v:Refund AND v.setl_time <= x.setl_time
           AND v.setl_time >= x.setl_time - duration({hours: 24})
       } AS prescribed,
       size(COLLECT {
         MATCH (p)-[:SETTLED]->(y:Settlement)-[:AT]->(i)
         WHERE y.setl_time IS NOT NULL AND NOT y:Refund
         RETURN DISTINCT date(y.setl_time)
       }) AS days_here
