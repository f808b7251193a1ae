// After a load: a sale or return known only from its settlement (fee_details.csv loaded
// before the settlement, or a trace event without parties) gets its institution and
// person from that settlement. Idempotent; touches only events that lack a party.
// params: (none)
// mode: write
MATCH (e:BoxEvent)-[:FOR_SETTLEMENT]->(s:Settlement)
WHERE (e:Sale OR e:Return) AND (NOT (e)-[:FROM]->() OR NOT (e)-[:TO]->())
CALL (e, s) {
  OPTIONAL MATCH (s)-[:AT]->(i:Institution)
  OPTIONAL MATCH (p:Person)-[:SETTLED]->(s)
  FOREACH (_ IN CASE WHEN e:Sale AND i IS NOT NULL AND NOT (e)-[:FROM]->() THEN [1] ELSE [] END | MERGE (e)-[:FROM]->(i))
  FOREACH (_ IN CASE WHEN e:Sale AND p IS NOT NULL AND NOT (e)-[:TO]->() THEN [1] ELSE [] END | MERGE (e)-[:TO]->(p))
  FOREACH (_ IN CASE WHEN e:Return AND p IS NOT NULL AND NOT (e)-[:FROM]->() THEN [1] ELSE [] END | MERGE (e)-[:FROM]->(p))
  FOREACH (_ IN CASE WHEN e:Return AND i IS NOT NULL AND NOT (e)-[:TO]->() THEN [1] ELSE [] END | MERGE (e)-[:TO]->(i))
} IN TRANSACTIONS OF 10000 ROWS
