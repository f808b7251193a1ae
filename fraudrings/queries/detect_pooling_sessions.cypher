// Card-pooling candidates (敛卡套刷): at every physical institution (never an online
// platform, whose orders are no cards at a counter), the settlements that came within
// $session_s seconds of another person's settlement there, in time order: a stack of
// cards swiped one after another leaves such runs, again and again with the same cards.
// Stays are not swipes and are left out. Each institution's settlements are sorted in
// its own subquery.
// params: $session_s
// mode: read
MATCH (i:Institution)
WHERE NOT i:OnlinePlatform
CALL (i) {
  MATCH (i)<-[:AT]-(s:Settlement)
  WHERE s.setl_time IS NOT NULL AND NOT s:Refund AND NOT s:Inpatient
    AND s.psn_no IS NOT NULL
  WITH s ORDER BY s.setl_time, s.setl_id
  WITH collect({t: s.setl_time, p: s.psn_no, id: s.setl_id}) AS ev
  UNWIND range(0, size(ev) - 1) AS k
  WITH ev, k
  WHERE (k > 0 AND ev[k - 1].p <> ev[k].p
         AND duration.inSeconds(ev[k - 1].t, ev[k].t).seconds <= $session_s)
     OR (k < size(ev) - 1 AND ev[k + 1].p <> ev[k].p
         AND duration.inSeconds(ev[k].t, ev[k + 1].t).seconds <= $session_s)
  RETURN ev[k] AS e
}
RETURN i.fixmedins_code AS inst, e.t AS time, e.p AS psn_no, e.id AS setl_id
ORDER BY inst, time, setl_id
