// Card-pooling surges (敛卡套刷), the arrivals: for every street pharmacy (never an
// online platform), all its settlements in time order as [time, person, settlement]
// (the time as ISO text: one list per shop decodes far faster than a row per
// settlement). The detector measures the shop's trade at each clock hour from them and
// scans them for surges.
// params: (none)
// mode: read
MATCH (i:Pharmacy)
WHERE NOT i:OnlinePlatform
CALL (i) {
  MATCH (i)<-[:AT]-(s:Settlement)
  WHERE s.setl_time IS NOT NULL AND NOT s:Refund AND NOT s:Inpatient AND s.psn_no IS NOT NULL
  WITH s ORDER BY s.setl_time, s.setl_id
  RETURN collect([toString(s.setl_time), s.psn_no, s.setl_id]) AS arrivals
}
WITH i, arrivals
WHERE size(arrivals) > 0
RETURN i.fixmedins_code AS inst, arrivals
ORDER BY inst
