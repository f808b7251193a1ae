-- Pre-settlement checks that met a member of an open lead (POST /check/settlement and
-- the national interface's 3101, 3102 and 3505): one row per person, lead and counter,
-- written in the transaction of the request's audit row (audit_id), read by
-- GET /check/hits. region is the region of the account that asked (the counter's),
-- insu_admdvs the person's; the hit is visible to investigators of either.
CREATE TABLE check_hits (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_id       INTEGER NOT NULL,
    at             TEXT NOT NULL,
    route          TEXT,
    username       TEXT,
    region         TEXT,
    psn_no         TEXT NOT NULL,
    insu_admdvs    TEXT,
    fixmedins_code TEXT NOT NULL,
    lead_id        TEXT NOT NULL
);
CREATE INDEX check_hits_by_lead ON check_hits (lead_id, id);
-- the hits of the checks made before this table, from their audit rows (a check's row
-- names one person, one institution and each lead of the person)
INSERT INTO check_hits (audit_id, at, route, username, region, psn_no, fixmedins_code, lead_id)
SELECT a.id, a.at, a.route, a.username, a.region,
       (SELECT substr(p.value, 8) FROM json_each(a.entity_ids) p
         WHERE p.value LIKE 'person:%' LIMIT 1),
       (SELECT substr(i.value, 13) FROM json_each(a.entity_ids) i
         WHERE i.value LIKE 'institution:%' LIMIT 1),
       substr(l.value, 6)
FROM audit a, json_each(a.entity_ids) l
WHERE a.route = '/check/settlement' AND a.status = 200 AND l.value LIKE 'lead:%'
  AND EXISTS (SELECT 1 FROM json_each(a.entity_ids) p WHERE p.value LIKE 'person:%')
  AND EXISTS (SELECT 1 FROM json_each(a.entity_ids) i WHERE i.value LIKE 'institution:%')
ORDER BY a.id;
-- a warning's person region (its visibility, as a hit's) and, for a manual review, the
-- open leads behind it (shown only to those who may see one of them); a manual review
-- recorded before this column is shown to national users only
ALTER TABLE hsa_warnings ADD COLUMN insu_admdvs TEXT;
ALTER TABLE hsa_warnings ADD COLUMN lead_ids TEXT;
UPDATE hsa_warnings SET lead_ids = '[]' WHERE rule_id = 'FR1002';
