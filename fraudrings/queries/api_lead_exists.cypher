// API: whether a lead with this id is inside the caller's region (one row, or none as
// for a missing id) and its typology; nothing else about it.
// params: $lead_id, $region
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
RETURN l.lead_id AS lead_id, l.typology AS typology
