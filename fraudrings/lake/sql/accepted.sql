-- The rows of one file that load (a view on lake_checked): they pass every check, are
-- new by their key (not in lake_verdicts) and have parties that can make their movement.
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP VIEW lake_accepted AS
SELECT *
FROM lake_checked c
WHERE c.ok
  AND c.rn NOT IN (SELECT rn FROM lake_verdicts)
  AND c.rn NOT IN (SELECT rn FROM lake_party_problems);
