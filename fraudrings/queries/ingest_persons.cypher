// Load persons.csv rows: one Person per psn_no; shared phones and addresses become
// Phone/Address nodes so families and recruiters who share them are one hop apart.
// A person first seen as an unregistered placeholder becomes registered here.
// params: $rows [{psn_no, props, t: {brdy, death_date} (ISO text), tel, addr}]
// mode: write
UNWIND $rows AS row
MERGE (p:Person {psn_no: row.psn_no})
SET p += row.props, p.unregistered = false,
    p.brdy = date(row.t.brdy), p.death_date = date(row.t.death_date)
REMOVE p:Unregistered
WITH p, row
CALL (p, row) {
  WITH p, row WHERE row.tel IS NOT NULL
  MERGE (t:Phone {tel: row.tel})
  MERGE (p)-[:HAS_PHONE]->(t)
}
CALL (p, row) {
  WITH p, row WHERE row.addr IS NOT NULL
  MERGE (a:Address {addr: row.addr})
  MERGE (p)-[:LIVES_AT]->(a)
}
