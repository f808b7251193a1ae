// Every physical institution with coordinates and its region: the travel detector checks
// each place against the other places of its city (a place whose coordinates lie far from
// its own city's was geocoded wrongly, and every visit there looks impossible).
// params: (none)
// mode: read
MATCH (i:Institution)
WHERE NOT i:OnlinePlatform AND i.lat IS NOT NULL AND i.lon IS NOT NULL AND i.admdvs IS NOT NULL
RETURN i.fixmedins_code AS code, i.admdvs AS admdvs, i.lat AS lat, i.lon AS lon
ORDER BY code
