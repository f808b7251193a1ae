// Referral: the full history of each drug box by traceability code, oldest first, with
// who gave and who received it and the settlement of a sale. Starts from the Box key.
// Only boxes inside the caller's region (a movement involves an institution there), and
// parties held to the access policy as in api_box_history: a party is named when the
// region sees it whole or the other side of the movement is an institution of the
// region; otherwise only its kind is given (and the settlement of a movement with no
// named party is withheld).
// params: $codes, $region
// mode: read
UNWIND $codes AS code
MATCH (b:Box {drug_trac_codg: code})-[:HAS_EVENT]->(e:BoxEvent)
WHERE $region = ''
   OR EXISTS {
        MATCH (b)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
        WHERE coalesce(w.admdvs, '') STARTS WITH $region }
OPTIONAL MATCH (e)-[:FROM]->(f)
OPTIONAL MATCH (e)-[:TO]->(t)
WITH b, e, f, t,
     ($region = '' OR f IS NULL
          OR (f:Person AND coalesce(f.insu_admdvs, '') STARTS WITH $region)
          OR ((f:Institution OR f:Supplier) AND coalesce(f.admdvs, '') STARTS WITH $region)
          OR (t:Institution AND coalesce(t.admdvs, '') STARTS WITH $region)) AS show_f,
     ($region = '' OR t IS NULL
          OR (t:Person AND coalesce(t.insu_admdvs, '') STARTS WITH $region)
          OR ((t:Institution OR t:Supplier) AND coalesce(t.admdvs, '') STARTS WITH $region)
          OR (f:Institution AND coalesce(f.admdvs, '') STARTS WITH $region)) AS show_t
ORDER BY b.drug_trac_codg, e.event_time, e.event_id
RETURN b.drug_trac_codg AS code,
       e.event_id AS event_id,
       e.event_type AS event_type,
       e.event_time AS event_time,
       CASE WHEN (show_f AND f IS NOT NULL) OR (show_t AND t IS NOT NULL)
            THEN e.setl_id END AS setl_id,
       CASE WHEN f:Person THEN 'person' WHEN f:Institution THEN 'institution'
            WHEN f:Supplier THEN 'supplier' END AS from_kind,
       CASE WHEN show_f THEN coalesce(f.psn_no, f.fixmedins_code, f.entp_code) END AS from_code,
       CASE WHEN t:Person THEN 'person' WHEN t:Institution THEN 'institution'
            WHEN t:Supplier THEN 'supplier' END AS to_kind,
       CASE WHEN show_t THEN coalesce(t.psn_no, t.fixmedins_code, t.entp_code) END AS to_code
