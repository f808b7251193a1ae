// Card-pooling candidates (敛卡套刷): terminals that served at least $min_hour_persons
// different persons within one clock hour, with every settlement they served, the
// person's home region and how often the person settled at that institution at all,
// and the basket (drug x count) of each settlement.
// params: $min_hour_persons
// mode: read
MATCH (t:Terminal)<-[:VIA_TERMINAL]-(s:Settlement)
WHERE NOT s:Refund AND s.setl_time IS NOT NULL
WITH t, localdatetime.truncate('hour', s.setl_time) AS hr, count(DISTINCT s.psn_no) AS n
WHERE n >= $min_hour_persons
WITH DISTINCT t
MATCH (t)<-[:VIA_TERMINAL]-(s:Settlement)-[:AT]->(i:Institution)
WHERE NOT s:Refund AND s.setl_time IS NOT NULL
MATCH (p:Person)-[:SETTLED]->(s)
OPTIONAL MATCH (s)-[:HAS_LINE]->(l:FeeLine)
WITH t, i, s, p, collect(l.med_list_codg + 'x' + toString(l.cnt)) AS basket
RETURN t.terminal_id AS terminal, i.fixmedins_code AS inst, i.admdvs AS inst_admdvs,
       s.setl_id AS setl_id, s.setl_time AS time, s.fund_pay_sumamt AS fund,
       s.mdtrt_cert_type AS cert, p.psn_no AS psn_no, p.insu_admdvs AS home,
       COUNT { (p)-[:SETTLED]->(:Settlement)-[:AT]->(i) } AS visits_here, basket
ORDER BY terminal, time, setl_id
