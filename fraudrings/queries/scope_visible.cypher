// Scope: which of the settlements, boxes and persons a lead's evidence lines name the
// caller's region may see, under the access policy (docs/security.md): a settlement when
// it was treated at an institution of the region or its person is insured there; a box
// when an institution of the region is a party of one of its movements; a person whole
// (insured in the region) or as a party of a treatment in the region (a settlement at
// one of its institutions, or a box sold or returned there). `persons` lists the ids
// that are persons at all, `persons_seen` those the region sees; an id that is no node
// is in no list.
// params: $setl_ids, $codes, $psn_nos (lists of ids), $region
// mode: read
CALL () {
  UNWIND $setl_ids AS id
  MATCH (s:Settlement {setl_id: id})
  WHERE $region = ''
     OR EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
     OR EXISTS { MATCH (w:Person)-[:SETTLED]->(s) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region }
  RETURN collect(DISTINCT id) AS settlements
}
CALL () {
  UNWIND $codes AS code
  MATCH (b:Box {drug_trac_codg: code})
  WHERE $region = ''
     OR EXISTS { MATCH (b)-[:HAS_EVENT]->(:BoxEvent)-[:FROM|TO]->(w:Institution)
                 WHERE coalesce(w.admdvs, '') STARTS WITH $region }
  RETURN collect(DISTINCT code) AS boxes
}
CALL () {
  UNWIND $psn_nos AS id
  MATCH (p:Person {psn_no: id})
  WITH id, ($region = ''
            OR coalesce(p.insu_admdvs, '') STARTS WITH $region
            OR EXISTS { MATCH (p)-[:SETTLED]->(:Settlement)-[:AT]->(w:Institution)
                        WHERE coalesce(w.admdvs, '') STARTS WITH $region }
            OR EXISTS { MATCH (p)<-[:FROM|TO]-(:BoxEvent)-[:FROM|TO]->(w:Institution)
                        WHERE coalesce(w.admdvs, '') STARTS WITH $region }) AS seen
  RETURN collect(DISTINCT id) AS persons, collect(DISTINCT CASE WHEN seen THEN id END) AS persons_seen
}
RETURN settlements, boxes, persons, persons_seen
