-- The placeholders this load adds: every party it refers to that the lake neither
-- registers nor already holds as a placeholder, with the table it was first seen in (in the load order).
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_unregistered_new AS
SELECT kind, code, arg_min(seen_in, seq) AS seen_in
FROM lake_refs r
WHERE NOT EXISTS (SELECT 1 FROM lake_registered g WHERE g.kind = r.kind AND g.code = r.code)
GROUP BY kind, code;
