// Load trace_events.csv rows: one BoxEvent per movement of a box, labelled by its type,
// with FROM/TO parties (Supplier, Institution or Person, by code format) and, for a sale,
// its settlement. A sale with a setl_id has the same event_id as the one loaded from
// fee_details.csv, so the two sources reconcile into one event. Keeps each box's
// sale/return/purchase counts current (indexes box_sales, box_purchases). An unknown
// party (empty from_code/to_code: e.g. a cash sale to an unrecorded buyer) comes with a
// null code and kind and gets no FROM/TO relationship, never a shared placeholder; the
// event still counts as the box's sale (reconcile_sales fills the side from a settlement).
// params: $rows [{event_id, code, type, time (ISO text), setl_id, med_list_codg, from_code, from_kind,
//                 to_code, to_kind, props}]  (from_*/to_* null when unknown)
// mode: write
UNWIND $rows AS row
MERGE (b:Box {drug_trac_codg: row.code})
MERGE (e:BoxEvent {event_id: row.event_id})
SET e += row.props,
    e.drug_trac_codg = row.code,
    e.event_type = row.type,
    e.trace_time = localdatetime(row.time),
    e.event_time = localdatetime(row.time),
    e.setl_id = coalesce(row.setl_id, e.setl_id),
    e.in_trace = true
FOREACH (_ IN CASE WHEN row.type = 'purchase' THEN [1] ELSE [] END | SET e:Purchase)
FOREACH (_ IN CASE WHEN row.type = 'sale' THEN [1] ELSE [] END | SET e:Sale)
FOREACH (_ IN CASE WHEN row.type = 'return' THEN [1] ELSE [] END | SET e:Return)
FOREACH (_ IN CASE WHEN row.type = 'supplier_return' THEN [1] ELSE [] END | SET e:SupplierReturn)
FOREACH (_ IN CASE WHEN row.type = 'transfer' THEN [1] ELSE [] END | SET e:Transfer)
FOREACH (_ IN CASE WHEN row.type = 'recall' THEN [1] ELSE [] END | SET e:Recall)
MERGE (b)-[:HAS_EVENT]->(e)
WITH b, e, row
CALL (b, row) {
  WITH b, row WHERE row.med_list_codg IS NOT NULL
  MERGE (d:Drug {med_list_codg: row.med_list_codg})
    ON CREATE SET d:Unregistered, d.unregistered = true
  MERGE (b)-[:FOR_DRUG]->(d)
}
CALL (e, row) {
  WITH e, row WHERE row.setl_id IS NOT NULL AND row.type IN ['sale', 'return']
  MERGE (s:Settlement {setl_id: row.setl_id})
    ON CREATE SET s:Unregistered, s.unregistered = true
  MERGE (e)-[:FOR_SETTLEMENT]->(s)
}
CALL (e, row) {
  WITH e, row WHERE row.from_kind = 'Supplier'
  MERGE (x:Supplier {entp_code: row.from_code}) ON CREATE SET x:Unregistered, x.unregistered = true
  MERGE (e)-[:FROM]->(x)
}
CALL (e, row) {
  WITH e, row WHERE row.from_kind = 'Institution'
  MERGE (x:Institution {fixmedins_code: row.from_code}) ON CREATE SET x:Unregistered, x.unregistered = true
  MERGE (e)-[:FROM]->(x)
}
CALL (e, row) {
  WITH e, row WHERE row.from_kind = 'Person'
  MERGE (x:Person {psn_no: row.from_code}) ON CREATE SET x:Unregistered, x.unregistered = true
  MERGE (e)-[:FROM]->(x)
}
CALL (e, row) {
  WITH e, row WHERE row.to_kind = 'Supplier'
  MERGE (x:Supplier {entp_code: row.to_code}) ON CREATE SET x:Unregistered, x.unregistered = true
  MERGE (e)-[:TO]->(x)
}
CALL (e, row) {
  WITH e, row WHERE row.to_kind = 'Institution'
  MERGE (x:Institution {fixmedins_code: row.to_code}) ON CREATE SET x:Unregistered, x.unregistered = true
  MERGE (e)-[:TO]->(x)
}
CALL (e, row) {
  WITH e, row WHERE row.to_kind = 'Person'
  MERGE (x:Person {psn_no: row.to_code}) ON CREATE SET x:Unregistered, x.unregistered = true
  MERGE (e)-[:TO]->(x)
}
WITH DISTINCT b
SET b.n_sales = COUNT { (b)-[:HAS_EVENT]->(:Sale) },
    b.n_returns = COUNT { (b)-[:HAS_EVENT]->(:Return) },
    b.n_purchases = COUNT { (b)-[:HAS_EVENT]->(:Purchase) }
