// API: one workflow step on a lead (a status change, an assignment or a note), applied
// only if the lead is inside the caller's region and still has the status and assignee
// the caller saw (else nothing is created: the caller answers 409 or 404). Every step
// appends a LeadChange node; nothing in the history is ever rewritten.
// params: $lead_id, $region, $expected_status, $expected_assignee, $to_status,
//         $set_assignee (bool), $assignee, $by, $action (transition|assign|note),
//         $note, $change_id
// mode: write
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
  AND coalesce(l.status, 'new') = $expected_status
  AND coalesce(l.assignee, '') = coalesce($expected_assignee, '')
WITH l, coalesce(l.status, 'new') AS before, l.assignee AS before_assignee
SET l.status = $to_status,
    l.assignee = CASE WHEN $set_assignee THEN $assignee ELSE l.assignee END,
    l.updated_at = datetime()
CREATE (l)-[:HAS_CHANGE]->(c:LeadChange {
  change_id: $change_id, at: datetime(), by: $by, action: $action,
  from_status: before, to_status: $to_status,
  previous_assignee: before_assignee, assignee: l.assignee, note: $note})
