// Load fee_details.csv rows: the FeeLine under its Settlement, its catalogue entry and
// prescriber; each scanned traceability code becomes a Box dispensed by the line and a
// Sale event (a Return for a reversal line) keyed by (code, settlement), so the same
// sale arriving from trace_events.csv merges into the same event instead of doubling.
// params: $rows [{feedetl_sn, setl_id, psn_no, med_list_codg, bilg_dr_codg,
//                 init_feedetl_sn, props, time (ISO text), events: [{event_id, code, sale}]}]
// mode: write
UNWIND $rows AS row
MERGE (l:FeeLine {feedetl_sn: row.feedetl_sn})
SET l += row.props, l.unregistered = false, l.fee_ocur_time = localdatetime(row.time)
REMOVE l:Unregistered
MERGE (s:Settlement {setl_id: row.setl_id})
  ON CREATE SET s:Unregistered, s.unregistered = true
MERGE (s)-[:HAS_LINE]->(l)
MERGE (d:Drug {med_list_codg: row.med_list_codg})
  ON CREATE SET d:Unregistered, d.unregistered = true
MERGE (l)-[:FOR_DRUG]->(d)
WITH l, s, d, row
CALL (l, row) {
  WITH l, row WHERE row.bilg_dr_codg IS NOT NULL
  MERGE (pr:Practitioner {prac_code: row.bilg_dr_codg})
    ON CREATE SET pr:Unregistered, pr.unregistered = true
  MERGE (l)-[:PRESCRIBED_BY]->(pr)
}
CALL (l, row) {
  WITH l, row WHERE row.init_feedetl_sn IS NOT NULL
  MERGE (o:FeeLine {feedetl_sn: row.init_feedetl_sn})
    ON CREATE SET o:Unregistered, o.unregistered = true
  MERGE (l)-[:REVERSES]->(o)
}
CALL (l, s, d, row) {
  UNWIND row.events AS ev
  MERGE (b:Box {drug_trac_codg: ev.code})
  MERGE (b)-[:FOR_DRUG]->(d)
  MERGE (l)-[:DISPENSED]->(b)
  MERGE (e:BoxEvent {event_id: ev.event_id})
  SET e.drug_trac_codg = ev.code,
      e.event_type = CASE WHEN ev.sale THEN 'sale' ELSE 'return' END,
      e.setl_id = row.setl_id,
      e.feedetl_sn = row.feedetl_sn,
      e.fee_time = localdatetime(row.time),
      e.event_time = coalesce(e.trace_time, localdatetime(row.time)),
      e.in_fee_details = true
  FOREACH (_ IN CASE WHEN ev.sale THEN [1] ELSE [] END | SET e:Sale)
  FOREACH (_ IN CASE WHEN ev.sale THEN [] ELSE [1] END | SET e:Return)
  MERGE (b)-[:HAS_EVENT]->(e)
  MERGE (e)-[:FOR_SETTLEMENT]->(s)
  WITH b, e, s, row, ev
  OPTIONAL MATCH (s)-[:AT]->(inst:Institution)
  CALL (e, row, ev) {
    WITH e, row, ev WHERE row.psn_no IS NOT NULL
    MERGE (p:Person {psn_no: row.psn_no})
      ON CREATE SET p:Unregistered, p.unregistered = true
    FOREACH (_ IN CASE WHEN ev.sale THEN [1] ELSE [] END | MERGE (e)-[:TO]->(p))
    FOREACH (_ IN CASE WHEN ev.sale THEN [] ELSE [1] END | MERGE (e)-[:FROM]->(p))
  }
  CALL (e, inst, ev) {
    WITH e, inst, ev WHERE inst IS NOT NULL
    FOREACH (_ IN CASE WHEN ev.sale THEN [1] ELSE [] END | MERGE (e)-[:FROM]->(inst))
    FOREACH (_ IN CASE WHEN ev.sale THEN [] ELSE [1] END | MERGE (e)-[:TO]->(inst))
  }
  WITH DISTINCT b
  SET b.n_sales = COUNT { (b)-[:HAS_EVENT]->(:Sale) },
      b.n_returns = COUNT { (b)-[:HAS_EVENT]->(:Return) }
}
