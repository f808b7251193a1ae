// Read model of the pre-settlement check: the small tables kept in memory: deaths,
// institutions' places, and the daily doses of drugs.
// params: none
// mode: read
CALL () {
  MATCH (p:Person) WHERE p.death_date IS NOT NULL
  RETURN collect([p.psn_no, p.death_date]) AS deaths
}
CALL () {
  MATCH (i:Institution)
  RETURN collect([i.fixmedins_code, i.lat, i.lon, coalesce(i.online, '0') = '1']) AS places
}
CALL () {
  MATCH (d:Drug) WHERE d.daily_units > 0
  RETURN collect([d.med_list_codg, d.daily_units]) AS doses
}
RETURN deaths, places, doses
