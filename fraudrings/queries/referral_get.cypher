// Referral: the referrals recorded for one lead inside the caller's region, newest
// first (who, when, evidence version, package hash and manifest).
// params: $lead_id, $region
// mode: read
MATCH (l:Lead {lead_id: $lead_id})
WHERE coalesce(l.region, '') STARTS WITH $region
MATCH (l)-[:REFERRED_AS]->(r:Referral)
RETURN r.referral_id AS referral_id, r.lead_id AS lead_id, r.at AS at, r.by AS by,
       r.evidence_version AS evidence_version, r.package_hash AS package_hash,
       r.manifest_json AS manifest_json, r.province AS province
ORDER BY r.at DESC, r.referral_id
