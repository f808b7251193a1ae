// Persons who collect a high-value drug faster than they could use it (职业开药人
// candidates): per person and drug, the days of supply bought (boxes / daily_units)
// over the days the purchases span; only pairs at or above $min_ratio come back, each
// with its time-ordered lines (refund lines net out through their negative cnt).
// High-value: reference price at least $min_unit_price, or on the key-monitoring list.
// params: $min_unit_price, $include_key_monitored, $min_lines, $min_ratio
// mode: read
MATCH (d:Drug)
WHERE d.daily_units > 0
  AND (d.pric_ref >= $min_unit_price OR ($include_key_monitored AND d.key_monitored = '1'))
MATCH (l:FeeLine)-[:FOR_DRUG]->(d)
WHERE l.psn_no IS NOT NULL AND l.fee_ocur_time IS NOT NULL
WITH d, l ORDER BY l.fee_ocur_time
WITH d, l.psn_no AS psn_no, collect(l) AS ls, sum(l.cnt) AS boxes
WHERE size(ls) >= $min_lines AND boxes > 0
WITH d, psn_no, ls, boxes, toFloat(boxes) / d.daily_units AS supply,
     duration.inDays(ls[0].fee_ocur_time, ls[-1].fee_ocur_time).days AS elapsed
WITH d, psn_no, ls, boxes, supply, elapsed, supply / (elapsed + supply / size(ls)) AS ratio
WHERE ratio >= $min_ratio
UNWIND ls AS l
MATCH (s:Settlement)-[:HAS_LINE]->(l)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
WITH d, psn_no, boxes, supply, elapsed, ratio, l, s, i
ORDER BY l.fee_ocur_time, l.feedetl_sn
RETURN psn_no, d.med_list_codg AS drug, d.list_name AS drug_name, d.daily_units AS daily_units,
       boxes, supply, elapsed, ratio,
       collect({feedetl_sn: l.feedetl_sn, time: l.fee_ocur_time, cnt: l.cnt, prd_days: l.prd_days,
                dr: coalesce(l.bilg_dr_codg, s.dr_codg), inst: s.fixmedins_code,
                inst_type: i.fixmedins_type, admdvs: i.admdvs, setl_id: s.setl_id,
                amount: l.det_item_fee_sumamt, medfee: s.medfee_sumamt, fund: s.fund_pay_sumamt,
                codes: l.drug_trac_codg}) AS lines
ORDER BY psn_no, drug
