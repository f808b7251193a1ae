// Persons who collect a drug faster than they could use it (职业开药人 candidates): per
// person and drug, the days of supply bought (boxes / daily_units) over the days the
// purchases span. The drug's own norm is the lower quartile of that ratio over everyone
// who fills it regularly, once at least $min_norm_persons do (a label's daily dose can be
// off; prosecutors benchmark against a normal patient's yearly amount; the quartile
// keeps a ring from setting its own norm), at least 1; only pairs at or above $min_ratio times
// the norm come back, each with its time-ordered lines (refund lines net out through
// their negative cnt).
// Drugs priced at least $min_unit_price, or on the key-monitoring list.
// params: $min_unit_price, $include_key_monitored, $min_lines, $min_ratio, $min_norm_persons
// mode: read
MATCH (d:Drug)
WHERE d.daily_units > 0
  AND (d.pric_ref >= $min_unit_price OR ($include_key_monitored AND d.key_monitored = '1'))
CALL (d) {
  MATCH (l:FeeLine)-[:FOR_DRUG]->(d)
  WHERE l.psn_no IS NOT NULL AND l.fee_ocur_time IS NOT NULL
  WITH l ORDER BY l.fee_ocur_time
  WITH l.psn_no AS psn_no, collect(l) AS ls, sum(l.cnt) AS boxes
  WHERE size(ls) >= $min_lines AND boxes > 0
  WITH psn_no, ls, boxes, toFloat(boxes) / d.daily_units AS supply,
       duration.inDays(ls[0].fee_ocur_time, ls[-1].fee_ocur_time).days AS elapsed
  WITH psn_no, ls, boxes, supply, elapsed, supply / (elapsed + supply / size(ls)) AS ratio
  WITH collect({psn_no: psn_no, ls: ls, boxes: boxes, supply: supply, elapsed: elapsed,
                ratio: ratio}) AS fills, percentileCont(ratio, 0.25) AS q1
  WITH fills, CASE WHEN size(fills) >= $min_norm_persons AND q1 > 1.0 THEN q1 ELSE 1.0 END
       AS norm
  UNWIND fills AS f
  WITH f, norm WHERE f.ratio / norm >= $min_ratio
  RETURN f, norm
}
WITH d, f.psn_no AS psn_no, f.ls AS ls, f.boxes AS boxes, f.supply AS supply,
     f.elapsed AS elapsed, f.ratio / norm AS ratio, norm
UNWIND ls AS l
MATCH (s:Settlement)-[:HAS_LINE]->(l)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
WITH d, psn_no, boxes, supply, elapsed, ratio, norm, l, s, i
ORDER BY l.fee_ocur_time, l.feedetl_sn
RETURN psn_no, d.med_list_codg AS drug, d.list_name AS drug_name,
       d.daily_units * norm AS daily_units, norm,
       boxes, supply / norm AS supply, elapsed, ratio,
       collect({feedetl_sn: l.feedetl_sn, time: l.fee_ocur_time, cnt: l.cnt, prd_days: l.prd_days,
                dr: coalesce(l.bilg_dr_codg, s.dr_codg), inst: s.fixmedins_code,
                inst_type: i.fixmedins_type, admdvs: i.admdvs, setl_id: s.setl_id,
                amount: l.det_item_fee_sumamt, medfee: s.medfee_sumamt, fund: s.fund_pay_sumamt,
                codes: l.drug_trac_codg}) AS lines
ORDER BY psn_no, drug
