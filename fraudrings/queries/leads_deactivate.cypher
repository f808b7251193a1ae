// Leads that a detection run did not find again: kept (with status and history) but
// marked inactive, and their members' community tags for that typology removed.
// params: $ids
// mode: write
UNWIND $ids AS id
MATCH (l:Lead {lead_id: id})
SET l.active = false
WITH l
MATCH (l)-[:INVOLVES]->(x)
SET x.communities = [c IN coalesce(x.communities, []) WHERE c <> l.typology + '=' + l.lead_id]
