// Who supplied an institution with boxes that had already been sold to a patient:
// purchase records dated after a sale of the same box (a supplier laundering
// recycled boxes back into the books). Grouped by supplier and receiving institution.
// params: $limit, $sample (codes to show per pair)
// mode: read
MATCH (b:Box) WHERE b.n_sales >= 1
MATCH (b)-[:HAS_EVENT]->(s:Sale)
MATCH (b)-[:HAS_EVENT]->(p:Purchase)
WHERE p.event_time > s.event_time
MATCH (p)-[:FROM]->(sup:Supplier)
MATCH (p)-[:TO]->(inst:Institution)
WITH sup, inst, collect(DISTINCT b.drug_trac_codg) AS codes
RETURN sup.entp_code AS entp_code,
       inst.fixmedins_code AS fixmedins_code,
       size(codes) AS boxes,
       codes[..$sample] AS sample_codes
ORDER BY boxes DESC, entp_code, fixmedins_code
LIMIT $limit
