// Cards in two cities (敛卡套刷 with cards from elsewhere): at every pharmacy counter (never
// an online platform), the persons insured in another city who settled there at least
// $min_uses times, with how many of their own settlements fell in their home city between
// their first and last settlement here. A card kept by a shop far from its holder is used
// there again and again while the holder goes on living, and settling, at home; a
// traveller comes once, a person who moved settles only where he lives now, and one who
// lives part of the year in the shop's city sees its doctors too (any settlement at a
// hospital or clinic of that city sets a person aside).
// params: $min_uses
// mode: read
MATCH (i:Pharmacy)
WHERE NOT i:OnlinePlatform AND i.admdvs IS NOT NULL
CALL (i) {
  MATCH (i)<-[:AT]-(s:Settlement)
  WHERE NOT s:Inpatient AND NOT s:Refund AND s.psn_no IS NOT NULL AND s.setl_time IS NOT NULL
  MATCH (p:Person {psn_no: s.psn_no})
  WHERE p.insu_admdvs IS NOT NULL
    AND substring(p.insu_admdvs, 0, 4) <> substring(i.admdvs, 0, 4)
  WITH p, collect(s) AS here
  WHERE size(here) >= $min_uses
    AND NOT EXISTS {
      MATCH (p)-[:SETTLED]->(:Settlement)-[:AT]->(x:Institution)
      WHERE NOT x:Pharmacy AND substring(x.admdvs, 0, 4) = substring(i.admdvs, 0, 4)
    }
  WITH p, here, reduce(a = here[0].setl_time, x IN here | CASE WHEN x.setl_time < a THEN x.setl_time ELSE a END) AS t0,
       reduce(a = here[0].setl_time, x IN here | CASE WHEN x.setl_time > a THEN x.setl_time ELSE a END) AS t1
  OPTIONAL MATCH (p)-[:SETTLED]->(h:Settlement)-[:AT]->(hi:Institution)
  WHERE h.setl_time > t0 AND h.setl_time < t1
    AND substring(hi.admdvs, 0, 4) = substring(p.insu_admdvs, 0, 4)
  WITH p, here, count(h) AS home
  RETURN p.psn_no AS psn_no, p.insu_admdvs AS home_admdvs, home,
         [x IN here | {setl_id: x.setl_id, time: x.setl_time, fund: x.fund_pay_sumamt}] AS uses
}
RETURN i.fixmedins_code AS inst, i.admdvs AS inst_admdvs, psn_no, home_admdvs, home, uses
ORDER BY inst, psn_no
