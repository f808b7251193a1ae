// Referral: record that a confirmed lead inside the caller's region was referred to
// public security, in one transaction: a Referral node (who, when, which evidence
// version, the package hash and manifest) linked to the lead, and the same workflow
// step the API records for a transition (a LeadChange confirmed -> referred). Nothing
// is created unless the lead is still confirmed (the caller answers 409 or 404).
// params: $lead_id, $region, $referral_id, $change_id, $by, $note, $evidence_version,
//         $package_hash, $manifest_json, $province
// mode: write
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
// take the lead's write lock before reading its status, so two referrals of the same
// lead at once cannot both see it confirmed
SET l.referral_lock = true
REMOVE l.referral_lock
WITH l
WHERE coalesce(l.status, 'new') = 'confirmed'
SET l.status = 'referred', l.updated_at = datetime()
CREATE (l)-[:REFERRED_AS]->(r:Referral {
  referral_id: $referral_id, lead_id: $lead_id, at: datetime(), by: $by,
  evidence_version: $evidence_version, package_hash: $package_hash,
  manifest_json: $manifest_json, province: $province})
CREATE (l)-[:HAS_CHANGE]->(c:LeadChange {
  change_id: $change_id, at: r.at, by: $by, action: 'transition',
  from_status: 'confirmed', to_status: 'referred',
  previous_assignee: l.assignee, assignee: l.assignee, note: $note})
