// API: which of the lead ids a stated purpose names are leads inside the caller's
// region (the purpose then opens full identifiers); nothing else about them.
// params: $ids (list of lead ids), $region
// mode: read
MATCH (l:Lead)
WHERE l.lead_id IN $ids AND coalesce(l.region, '') STARTS WITH $region
RETURN l.lead_id AS lead_id
