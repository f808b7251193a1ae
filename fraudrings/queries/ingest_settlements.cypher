// Load settlements.csv rows: the Settlement with its person, institution, practitioner
// and terminal; inpatient stays get the Inpatient label (co-admission index), reversals
// the Refund label and a REVERSES edge. Unknown parties become Unregistered placeholders.
// params: $rows [{setl_id, psn_no, fixmedins_code, dr_codg, terminal_id, refd_setl_id,
//                 inpatient, refund, props, t: {begntime, endtime, setl_time} (ISO text)}]
// mode: write
UNWIND $rows AS row
MERGE (s:Settlement {setl_id: row.setl_id})
SET s += row.props, s.unregistered = false,
    s.begntime = localdatetime(row.t.begntime),
    s.endtime = localdatetime(row.t.endtime),
    s.setl_time = localdatetime(row.t.setl_time)
REMOVE s:Unregistered
FOREACH (_ IN CASE WHEN row.inpatient THEN [1] ELSE [] END | SET s:Inpatient)
FOREACH (_ IN CASE WHEN row.refund THEN [1] ELSE [] END | SET s:Refund)
MERGE (p:Person {psn_no: row.psn_no})
  ON CREATE SET p:Unregistered, p.unregistered = true
MERGE (p)-[:SETTLED]->(s)
MERGE (i:Institution {fixmedins_code: row.fixmedins_code})
  ON CREATE SET i:Unregistered, i.unregistered = true
MERGE (s)-[:AT]->(i)
WITH s, row
CALL (s, row) {
  WITH s, row WHERE row.dr_codg IS NOT NULL
  MERGE (d:Practitioner {prac_code: row.dr_codg})
    ON CREATE SET d:Unregistered, d.unregistered = true
  MERGE (s)-[:TREATED_BY]->(d)
}
CALL (s, row) {
  WITH s, row WHERE row.terminal_id IS NOT NULL
  MERGE (t:Terminal {terminal_id: row.terminal_id})
  MERGE (s)-[:VIA_TERMINAL]->(t)
}
CALL (s, row) {
  WITH s, row WHERE row.refd_setl_id IS NOT NULL
  MERGE (o:Settlement {setl_id: row.refd_setl_id})
    ON CREATE SET o:Unregistered, o.unregistered = true
  MERGE (s)-[:REVERSES]->(o)
}
