// Every box sold to a patient again after an earlier sale with no return in between
// (倒卖回流药 candidates): a box is sold once in its life. Starts from the box_sales
// index (n_sales >= 2), so it never scans boxes sold once.
// params: $limit
// mode: read
MATCH (b:Box) WHERE b.n_sales >= 2
MATCH (b)-[:HAS_EVENT]->(e:BoxEvent)
WITH b, e ORDER BY e.event_time, e.event_id
WITH b, collect(e) AS evs
WITH b, evs, [i IN range(0, size(evs) - 1) WHERE evs[i]:Sale] AS sales
UNWIND range(0, size(sales) - 2) AS k
WITH b, evs, sales[k] AS i, sales[k + 1] AS j
WHERE none(x IN evs[i + 1..j] WHERE x:Return)
RETURN b.drug_trac_codg AS code,
       evs[i].event_id AS first_sale,
       evs[i].event_time AS first_time,
       evs[i].setl_id AS first_setl_id,
       evs[j].event_id AS second_sale,
       evs[j].event_time AS second_time,
       evs[j].setl_id AS second_setl_id
ORDER BY code, first_time
LIMIT $limit
