// API: the full history of one box by its traceability code, oldest first, only when
// the box is inside the caller's region (one of its movements involves an institution
// there; else no row, as for an unknown code). Parties by kind, code and name (the
// names of institutions and suppliers only; persons by their number).
// params: $code, $region, $limit
// mode: read
MATCH (n:Box {drug_trac_codg: $code})
WHERE ($region = ''
       OR (n:Person AND coalesce(n.insu_admdvs, '') STARTS WITH $region)
       OR (n:Institution AND coalesce(n.admdvs, '') STARTS WITH $region)
       OR (n:Supplier AND coalesce(n.admdvs, '') STARTS WITH $region)
       OR (n:Practitioner AND EXISTS {
             MATCH (n)-[:WORKS_AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region })
       OR (n:Box AND EXISTS {
             MATCH (n)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
             WHERE coalesce(w.admdvs, '') STARTS WITH $region })
       OR NOT (n:Person OR n:Institution OR n:Supplier OR n:Practitioner OR n:Box))
OPTIONAL MATCH (n)-[:FOR_DRUG]->(d:Drug)
CALL (n) {
  OPTIONAL MATCH (n)-[:HAS_EVENT]->(e:BoxEvent)
  OPTIONAL MATCH (e)-[:FROM]->(f)
  OPTIONAL MATCH (e)-[:TO]->(t)
  WITH e, f, t ORDER BY e.event_time, e.event_id
  LIMIT $limit
  RETURN collect(CASE WHEN e IS NULL THEN null ELSE {
    event_id: e.event_id, event_type: e.event_type, event_time: e.event_time,
    setl_id: e.setl_id, manu_lotnum: e.manu_lotnum,
    in_fee_details: coalesce(e.in_fee_details, false), in_trace: coalesce(e.in_trace, false),
    from_kind: CASE WHEN f:Person THEN 'person' WHEN f:Institution THEN 'institution'
                    WHEN f:Supplier THEN 'supplier' END,
    from_code: coalesce(f.psn_no, f.fixmedins_code, f.entp_code),
    from_name: coalesce(f.fixmedins_name, f.entp_name),
    to_kind: CASE WHEN t:Person THEN 'person' WHEN t:Institution THEN 'institution'
                  WHEN t:Supplier THEN 'supplier' END,
    to_code: coalesce(t.psn_no, t.fixmedins_code, t.entp_code),
    to_name: coalesce(t.fixmedins_name, t.entp_name)} END) AS events
}
RETURN n.drug_trac_codg AS code, d.med_list_codg AS med_list_codg, d.list_name AS list_name,
       COUNT { (n)-[:HAS_EVENT]->() } AS n_events, events
