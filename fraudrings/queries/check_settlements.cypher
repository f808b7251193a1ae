// Pre-settlement check (事前提醒) of a batch of pending settlements, in one read: for
// each, the person (death date, insurance region, open leads), each scanned box's last sale/return (a box
// already sold and not returned), the same drugs still in supply from earlier lines,
// and the person's last visit before this one with the distance between the two places.
// The API sends the checks that arrive while the previous batch runs (api/batcher.py),
// so one transaction serves many counters. Everything starts from a unique-key seek.
// params: $checks [{i, psn_no, fixmedins_code, setl_time (ISO text), codes: [..], drugs: [..]}],
//   $open_statuses (from the vocabulary, added by the gateway)
// mode: read
UNWIND $checks AS c
CALL (c) {
  OPTIONAL MATCH (p:Person {psn_no: c.psn_no})
  OPTIONAL MATCH (here:Institution {fixmedins_code: c.fixmedins_code})
  WITH c, p, here, localdatetime(c.setl_time) AS now
  CALL (p) {
    OPTIONAL MATCH (l:Lead)-[:INVOLVES]->(p)
    WHERE l.active AND l.status IN $open_statuses
    RETURN collect(DISTINCT CASE WHEN l IS NULL THEN null
                            ELSE {lead_id: l.lead_id, typology: l.typology, status: l.status} END) AS leads
  }
  CALL (c) {
    UNWIND c.codes AS code
    MATCH (b:Box {drug_trac_codg: code})-[:HAS_EVENT]->(e:BoxEvent)
    WHERE e:Sale OR e:Return
    WITH code, e ORDER BY e.event_time DESC
    WITH code, head(collect(e)) AS last
    WHERE last:Sale
    OPTIONAL MATCH (last)-[:FROM]->(seller:Institution)
    RETURN collect({code: code, sold_at: last.event_time, setl_id: last.setl_id,
                    seller: seller.fixmedins_code}) AS sold_boxes
  }
  // the person's settlements up to now, newest first, read once for supply and travel
  CALL (p, now) {
    OPTIONAL MATCH (p)-[:SETTLED]->(s:Settlement)
    WHERE s.begntime <= now AND NOT s:Refund
    WITH s ORDER BY s.begntime DESC
    RETURN collect(s) AS before
  }
  CALL (c, before, now) {
    UNWIND c.drugs AS drug
    MATCH (d:Drug {med_list_codg: drug})
    WHERE d.daily_units > 0
    UNWIND before AS s
    WITH d, drug, s WHERE s.begntime < now
    MATCH (s)-[:HAS_LINE]->(l:FeeLine)
    WHERE l.med_list_codg = drug AND l.cnt > 0
    WITH d, l ORDER BY l.fee_ocur_time DESC
    WITH d, head(collect(l)) AS last
    WITH d, last, last.fee_ocur_time + duration({seconds: toInteger(86400.0 * last.cnt / d.daily_units)}) AS until
    WHERE until > now
    RETURN collect({drug: d.med_list_codg, last_time: last.fee_ocur_time, cnt: last.cnt,
                    supply_until: until, setl_id: last.setl_id}) AS in_supply
  }
  CALL (before, here) {
    UNWIND CASE WHEN here IS NULL OR here.lat IS NULL OR coalesce(here.online, '0') = '1'
                THEN [] ELSE before END AS s
    MATCH (s)-[:AT]->(i:Institution)
    WHERE coalesce(i.online, '0') <> '1' AND i.lat IS NOT NULL
    WITH s, i LIMIT 1  // before is newest first: the first place found is the last visit
    RETURN head(collect({
             setl_id: s.setl_id, inst: i.fixmedins_code,
             left_at: CASE WHEN s:Inpatient THEN s.begntime ELSE coalesce(s.endtime, s.begntime) END,
             km: point.distance(point({latitude: i.lat, longitude: i.lon}),
                                point({latitude: here.lat, longitude: here.lon})) / 1000.0
           })) AS last_visit
  }
  RETURN p IS NOT NULL AS known_person, p.death_date AS death_date,
         p.insu_admdvs AS insu_admdvs,
         here IS NOT NULL AS known_institution, leads, sold_boxes, in_supply, last_visit
}
RETURN c.i AS i, known_person, death_date, insu_admdvs, known_institution, leads, sold_boxes,
       in_supply, last_visit
