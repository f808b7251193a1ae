// The full journey of every box that may have come back into the supply chain: sold
// at least twice, or bought in from a supplier more than once after being sold. Starts
// from the box_sales / box_purchases indexes, never scans boxes with a normal life.
// Each event carries its parties (kind and code), the settlement's fund figures and
// the line's unit price, so the detector can name who did what and what it cost.
// params: $min_sales, $min_purchases
// mode: read
CALL () {
  MATCH (b:Box) WHERE b.n_sales >= $min_sales
  RETURN b
  UNION
  MATCH (b:Box) WHERE b.n_purchases >= $min_purchases AND b.n_sales >= 1
  RETURN b
}
OPTIONAL MATCH (b)-[:FOR_DRUG]->(d:Drug)
WITH b, head(collect(d)) AS d
MATCH (b)-[:HAS_EVENT]->(e:BoxEvent)
OPTIONAL MATCH (e)-[:FROM]->(f)
OPTIONAL MATCH (e)-[:TO]->(t)
OPTIONAL MATCH (e)-[:FOR_SETTLEMENT]->(s:Settlement)
OPTIONAL MATCH (fl:FeeLine {feedetl_sn: e.feedetl_sn})
WITH b, d, e, f, t, s, fl
ORDER BY e.event_time, e.event_id
RETURN b.drug_trac_codg AS code, d.med_list_codg AS drug, d.list_name AS drug_name,
       d.pric_ref AS pric_ref,
       collect({
         event_id: e.event_id, type: e.event_type, time: e.event_time, setl_id: e.setl_id,
         from_kind: CASE WHEN f:Person THEN 'person' WHEN f:Institution THEN 'institution'
                         WHEN f:Supplier THEN 'supplier' END,
         from: coalesce(f.psn_no, f.fixmedins_code, f.entp_code),
         from_admdvs: coalesce(f.admdvs, f.insu_admdvs),
         to_kind: CASE WHEN t:Person THEN 'person' WHEN t:Institution THEN 'institution'
                       WHEN t:Supplier THEN 'supplier' END,
         to: coalesce(t.psn_no, t.fixmedins_code, t.entp_code),
         to_admdvs: coalesce(t.admdvs, t.insu_admdvs),
         medfee: s.medfee_sumamt, fund: s.fund_pay_sumamt,
         pric: fl.pric
       }) AS events
ORDER BY code
