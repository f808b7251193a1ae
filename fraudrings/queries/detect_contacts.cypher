// Phones and addresses shared between any of the given persons (a family, a ring
// coordinating, or a recruiter's phone on many records), as pairs with what they share.
// params: $psn (list of psn_no)
// mode: read
UNWIND $psn AS id
MATCH (a:Person {psn_no: id})-[:HAS_PHONE|LIVES_AT]->(c)<-[:HAS_PHONE|LIVES_AT]-(b:Person)
WHERE a.psn_no < b.psn_no AND b.psn_no IN $psn
RETURN a.psn_no AS a, b.psn_no AS b,
       CASE WHEN c:Phone THEN 'phone' ELSE 'address' END AS via,
       coalesce(c.tel, c.addr) AS value
ORDER BY a, b, via
