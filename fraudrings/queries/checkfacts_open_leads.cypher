// Read model of the pre-settlement check: the persons in open leads (new, in review or
// confirmed, active), with the lead, each pair once; the open_lead warning. Read again
// whenever the leads' generation changes.
// params: $open_statuses (from the vocabulary, added by the gateway)
// mode: read
MATCH (l:Lead)-[:INVOLVES]->(p:Person)
WHERE l.active AND l.status IN $open_statuses
RETURN DISTINCT p.psn_no AS psn_no, l.lead_id AS lead_id, l.typology AS typology,
       l.status AS status
