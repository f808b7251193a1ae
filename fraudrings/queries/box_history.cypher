// The full history of one drug box (追溯码), oldest first: every purchase, transfer,
// sale, return and supplier return, with who gave and who received it and the
// settlement of a sale. Index-backed: starts from the Box key constraint.
// params: $code (drug_trac_codg)
// mode: read
MATCH (b:Box {drug_trac_codg: $code})-[:HAS_EVENT]->(e:BoxEvent)
OPTIONAL MATCH (e)-[:FROM]->(f)
OPTIONAL MATCH (e)-[:TO]->(t)
WITH b, e, f, t
ORDER BY e.event_time, e.event_id
RETURN b.drug_trac_codg AS code,
       e.event_id AS event_id,
       e.event_type AS event_type,
       e.event_time AS event_time,
       e.setl_id AS setl_id,
       coalesce(e.in_fee_details, false) AS in_fee_details,
       coalesce(e.in_trace, false) AS in_trace,
       CASE WHEN f:Person THEN 'person' WHEN f:Institution THEN 'institution'
            WHEN f:Supplier THEN 'supplier' END AS from_kind,
       coalesce(f.psn_no, f.fixmedins_code, f.entp_code) AS from_code,
       CASE WHEN t:Person THEN 'person' WHEN t:Institution THEN 'institution'
            WHEN t:Supplier THEN 'supplier' END AS to_kind,
       coalesce(t.psn_no, t.fixmedins_code, t.entp_code) AS to_code
