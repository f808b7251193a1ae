// Load practitioners.csv rows: Practitioner nodes and their main practice site.
// params: $rows [{prac_code, props, fixmedins_code}]
// mode: write
UNWIND $rows AS row
MERGE (d:Practitioner {prac_code: row.prac_code})
SET d += row.props, d.unregistered = false
REMOVE d:Unregistered
WITH d, row WHERE row.fixmedins_code IS NOT NULL
MERGE (i:Institution {fixmedins_code: row.fixmedins_code})
  ON CREATE SET i:Unregistered, i.unregistered = true
MERGE (d)-[:WORKS_AT]->(i)
