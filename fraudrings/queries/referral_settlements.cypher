// Referral: settlements by id with their institution's name, the fund breakdown
// (hifp_pay pooled fund, hifmi_pay critical illness, maf_pay medical assistance,
// acct_pay personal account) and every fee line with its drug and box codes.
// Starts from the Settlement key constraint. Only settlements the caller's region may
// see (docs/security.md: treated at an institution of the region, or of a person
// insured there); others are left out, as if unknown.
// params: $setl_ids, $region
// mode: read
UNWIND $setl_ids AS sid
MATCH (s:Settlement {setl_id: sid})
WHERE ($region = ''
       OR EXISTS { MATCH (s)-[:AT]->(w:Institution) WHERE coalesce(w.admdvs, '') STARTS WITH $region }
       OR EXISTS { MATCH (w:Person)-[:SETTLED]->(s) WHERE coalesce(w.insu_admdvs, '') STARTS WITH $region })
OPTIONAL MATCH (s)-[:AT]->(i:Institution)
CALL (s) {
  OPTIONAL MATCH (s)-[:HAS_LINE]->(fl:FeeLine)
  OPTIONAL MATCH (fl)-[:FOR_DRUG]->(d:Drug)
  WITH fl, d ORDER BY fl.feedetl_sn
  RETURN collect(CASE WHEN fl IS NULL THEN null ELSE {
           feedetl_sn: fl.feedetl_sn, time: fl.fee_ocur_time, psn_no: fl.psn_no,
           med_list_codg: fl.med_list_codg, drug_name: d.list_name, pric_ref: d.pric_ref,
           daily_units: d.daily_units, cnt: fl.cnt, pric: fl.pric,
           amount: fl.det_item_fee_sumamt, codes: fl.drug_trac_codg,
           dr: coalesce(fl.bilg_dr_codg, s.dr_codg)} END) AS lines
}
RETURN s.setl_id AS setl_id, s.psn_no AS psn_no, s.fixmedins_code AS fixmedins_code,
       i.fixmedins_name AS fixmedins_name, s.med_type AS med_type,
       s.begntime AS begntime, s.endtime AS endtime, s.setl_time AS setl_time,
       s.medfee_sumamt AS medfee_sumamt, s.fund_pay_sumamt AS fund_pay_sumamt,
       s.hifp_pay AS hifp_pay, s.hifmi_pay AS hifmi_pay, s.maf_pay AS maf_pay,
       s.acct_pay AS acct_pay, s.psn_cash_pay AS psn_cash_pay, s.dise_codg AS dise_codg,
       s.dr_codg AS dr_codg, s:Refund AS refund, lines
ORDER BY setl_id
