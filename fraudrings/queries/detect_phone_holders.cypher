// Persons outside a group who share a phone with several of its members (a
// recruiter's number on the records of the people they recruit).
// params: $psn (list of psn_no), $min_shared
// mode: read
UNWIND $psn AS id
MATCH (a:Person {psn_no: id})-[:HAS_PHONE]->(ph:Phone)<-[:HAS_PHONE]-(b:Person)
WHERE NOT b.psn_no IN $psn
WITH b, ph, collect(DISTINCT a.psn_no) AS shared
WHERE size(shared) >= $min_shared
RETURN b.psn_no AS psn_no, ph.tel AS tel, shared
ORDER BY size(shared) DESC, psn_no
