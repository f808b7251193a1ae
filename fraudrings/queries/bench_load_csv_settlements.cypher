// Benchmark baseline only (bench/ingest.py): settlements.csv loaded by the server itself
// with LOAD CSV and CALL {} IN TRANSACTIONS, building the same nodes and relationships
// as ingest_settlements. No validation or quarantine: rows that fail are skipped.
// params: $url (file:/// URL under the server's import folder), $batch
// mode: write
LOAD CSV WITH HEADERS FROM $url AS row
WITH row WHERE row.setl_id <> '' AND row.psn_no <> '' AND row.fixmedins_code <> ''
CALL (row) {
  MERGE (s:Settlement {setl_id: row.setl_id})
  SET s.mdtrt_id = row.mdtrt_id, s.psn_no = row.psn_no, s.fixmedins_code = row.fixmedins_code,
      s.mdtrtarea_admvs = row.mdtrtarea_admvs, s.med_type = row.med_type,
      s.begntime = localdatetime(replace(row.begntime, ' ', 'T')),
      s.endtime = localdatetime(replace(row.endtime, ' ', 'T')),
      s.setl_time = localdatetime(replace(row.setl_time, ' ', 'T')),
      s.medfee_sumamt = toFloat(row.medfee_sumamt), s.fund_pay_sumamt = toFloat(row.fund_pay_sumamt),
      s.hifp_pay = toFloat(row.hifp_pay), s.hifmi_pay = toFloat(row.hifmi_pay),
      s.maf_pay = toFloat(row.maf_pay), s.acct_pay = toFloat(row.acct_pay),
      s.psn_cash_pay = toFloat(row.psn_cash_pay), s.dise_codg = row.dise_codg,
      s.dr_codg = row.dr_codg, s.mdtrt_cert_type = row.mdtrt_cert_type,
      s.terminal_id = row.terminal_id, s.refd_setl_flag = row.refd_setl_flag,
      s.refd_setl_id = row.refd_setl_id, s.unregistered = false
  FOREACH (_ IN CASE WHEN row.med_type = '21' THEN [1] ELSE [] END | SET s:Inpatient)
  FOREACH (_ IN CASE WHEN row.refd_setl_flag = '1' THEN [1] ELSE [] END | SET s:Refund)
  MERGE (p:Person {psn_no: row.psn_no})
    ON CREATE SET p:Unregistered, p.unregistered = true
  MERGE (p)-[:SETTLED]->(s)
  MERGE (i:Institution {fixmedins_code: row.fixmedins_code})
    ON CREATE SET i:Unregistered, i.unregistered = true
  MERGE (s)-[:AT]->(i)
  FOREACH (_ IN CASE WHEN coalesce(row.dr_codg, '') = '' THEN [] ELSE [1] END |
    MERGE (d:Practitioner {prac_code: row.dr_codg})
      ON CREATE SET d:Unregistered, d.unregistered = true
    MERGE (s)-[:TREATED_BY]->(d))
  FOREACH (_ IN CASE WHEN coalesce(row.terminal_id, '') = '' THEN [] ELSE [1] END |
    MERGE (t:Terminal {terminal_id: row.terminal_id})
    MERGE (s)-[:VIA_TERMINAL]->(t))
  FOREACH (_ IN CASE WHEN coalesce(row.refd_setl_id, '') = '' THEN [] ELSE [1] END |
    MERGE (o:Settlement {setl_id: row.refd_setl_id})
      ON CREATE SET o:Unregistered, o.unregistered = true
    MERGE (s)-[:REVERSES]->(o))
} IN TRANSACTIONS OF 5000 ROWS ON ERROR CONTINUE
