-- Adds the parties this file's accepted rows refer to.
-- Parameters: $seen_in (the file's table), $seq (its place in the load order).
-- Slots: {{refs}} (one SELECT DISTINCT kind, code per column that names a party, from
-- lake_accepted c, joined by UNION ALL).
INSERT INTO lake_refs
SELECT kind, code, $seen_in, $seq FROM ({{refs}}) WHERE code IS NOT NULL;
