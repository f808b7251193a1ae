// Read model of the pre-settlement check: a page of persons in key order after $after,
// with their insurance region (the check tells a counter less about a person insured
// outside the caller's region). One record per page, as checkfacts_sold_boxes.
// params: $after (the last psn_no of the previous page; '' for the first), $n (page size)
// mode: read
MATCH (p:Person) WHERE p.psn_no > $after
WITH p ORDER BY p.psn_no LIMIT $n
RETURN max(p.psn_no) AS last_code,
       collect(CASE WHEN p.insu_admdvs IS NOT NULL THEN [p.psn_no, p.insu_admdvs] END) AS rows
