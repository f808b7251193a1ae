// Card-pooling candidates, step 2: for the settlements of the bursts found, the basket
// (drug x count), the card type, the fund share, the person's home region and how many
// times the person settled at that institution at all, and anywhere.
// params: $setl_ids
// mode: read
UNWIND $setl_ids AS id
MATCH (s:Settlement {setl_id: id})
MATCH (p:Person)-[:SETTLED]->(s)
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
CALL (s) {
  OPTIONAL MATCH (s)-[:HAS_LINE]->(l:FeeLine)
  RETURN collect(l.med_list_codg + 'x' + toString(l.cnt)) AS basket
}
RETURN s.setl_id AS setl_id, s.fund_pay_sumamt AS fund, s.mdtrt_cert_type AS cert,
       p.insu_admdvs AS home, i.admdvs AS inst_admdvs, basket,
       size([(p)-[:SETTLED]->(x:Settlement) WHERE x.fixmedins_code = s.fixmedins_code | 1])
         AS visits_here,
       COUNT { (p)-[:SETTLED]->(:Settlement) } AS visits_all
