// API: the full history of one box by its traceability code, oldest first, only when
// the box is inside the caller's region (one of its movements involves an institution
// there; else no row, as for an unknown code). Parties by kind, code and name (the
// names of institutions and suppliers only; persons by their number), held to the
// access policy (docs/security.md): a party is named when the caller's region sees it
// whole (a person by insu_admdvs, an institution or supplier by admdvs) or when the
// other side of the same movement is an institution of the region (its customer or
// its supplier); otherwise only its kind is given, and the settlement of a movement
// with no named party is withheld too.
// params: $code, $region, $limit
// mode: read
MATCH (n:Box {drug_trac_codg: $code})
WHERE $region = ''
   OR EXISTS {
        MATCH (n)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
        WHERE coalesce(w.admdvs, '') STARTS WITH $region }
OPTIONAL MATCH (n)-[:FOR_DRUG]->(d:Drug)
CALL (n) {
  OPTIONAL MATCH (n)-[:HAS_EVENT]->(e:BoxEvent)
  OPTIONAL MATCH (e)-[:FROM]->(f)
  OPTIONAL MATCH (e)-[:TO]->(t)
  WITH e, f, t ORDER BY e.event_time, e.event_id
  LIMIT $limit
  WITH e, f, t,
       ($region = '' OR f IS NULL
        OR (f:Person AND coalesce(f.insu_admdvs, '') STARTS WITH $region)
        OR ((f:Institution OR f:Supplier) AND coalesce(f.admdvs, '') STARTS WITH $region)
        OR (t:Institution AND coalesce(t.admdvs, '') STARTS WITH $region)) AS show_f,
       ($region = '' OR t IS NULL
        OR (t:Person AND coalesce(t.insu_admdvs, '') STARTS WITH $region)
        OR ((t:Institution OR t:Supplier) AND coalesce(t.admdvs, '') STARTS WITH $region)
        OR (f:Institution AND coalesce(f.admdvs, '') STARTS WITH $region)) AS show_t
  RETURN collect(CASE WHEN e IS NULL THEN null ELSE {
    event_id: e.event_id, event_type: e.event_type, event_time: e.event_time,
    setl_id: CASE WHEN (show_f AND f IS NOT NULL) OR (show_t AND t IS NOT NULL)
                  THEN e.setl_id END,
    manu_lotnum: e.manu_lotnum,
    in_fee_details: coalesce(e.in_fee_details, false), in_trace: coalesce(e.in_trace, false),
    from_kind: CASE WHEN f:Person THEN 'person' WHEN f:Institution THEN 'institution'
                    WHEN f:Supplier THEN 'supplier' END,
    from_code: CASE WHEN show_f THEN coalesce(f.psn_no, f.fixmedins_code, f.entp_code) END,
    from_name: CASE WHEN show_f THEN coalesce(f.fixmedins_name, f.entp_name) END,
    to_kind: CASE WHEN t:Person THEN 'person' WHEN t:Institution THEN 'institution'
                  WHEN t:Supplier THEN 'supplier' END,
    to_code: CASE WHEN show_t THEN coalesce(t.psn_no, t.fixmedins_code, t.entp_code) END,
    to_name: CASE WHEN show_t THEN coalesce(t.fixmedins_name, t.entp_name) END} END) AS events
}
RETURN n.drug_trac_codg AS code, d.med_list_codg AS med_list_codg, d.list_name AS list_name,
       COUNT { (n)-[:HAS_EVENT]->() } AS n_events, events
