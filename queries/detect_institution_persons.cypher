// Distinct persons who settled at each of the given institutions: the denominator when
// many unrelated persons look impossible at one place (its coordinates are suspect).
// params: $codes (list of fixmedins_code)
// mode: read
UNWIND $codes AS code
MATCH (i:Institution {fixmedins_code: code})
RETURN code, COUNT { (i)<-[:AT]-(:Settlement)<-[:SETTLED]-(:Person) } AS settlements
ORDER BY code
