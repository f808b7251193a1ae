// Card pooling (敛卡套刷) with cards used once: at every pharmacy counter (never an online
// platform), the settlements of persons who come there at most $max_visits_here times,
// each with its basket (drug x count, in code order) and its value. A shop swiping a
// stack of borrowed cards for one resaleable drug leaves strangers buying the very same
// basket minutes apart; the detector looks for such runs on several days.
// params: $max_visits_here, $min_basket_value
// mode: read
MATCH (i:Pharmacy)
WHERE NOT i:OnlinePlatform
CALL (i) {
  MATCH (i)<-[:AT]-(s:Settlement)<-[:SETTLED]-(p:Person)
  WHERE s.setl_time IS NOT NULL AND NOT s:Refund AND NOT s:Inpatient
    AND coalesce(s.medfee_sumamt, 0) >= $min_basket_value
  WITH p, collect(s) AS here
  WHERE size(here) <= $max_visits_here
  UNWIND here AS s
  CALL (s) {
    MATCH (s)-[:HAS_LINE]->(l:FeeLine)
    WITH l ORDER BY l.med_list_codg, l.cnt
    RETURN collect(l.med_list_codg + 'x' + toString(l.cnt)) AS basket
  }
  WITH p, s, basket WHERE size(basket) > 0
  RETURN p.psn_no AS psn_no, p.insu_admdvs AS home, s.setl_id AS setl_id,
         s.setl_time AS time, s.fund_pay_sumamt AS fund, basket
}
RETURN i.fixmedins_code AS inst, i.admdvs AS inst_admdvs, psn_no, home, setl_id, time, fund,
       basket
ORDER BY inst, time, setl_id
