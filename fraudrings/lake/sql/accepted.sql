-- The rows of one file that load: new by their key and with parties that can make
-- their movement. Each gets its lake row id (_row_md5, an MD5 of its raw cells), so a row
-- already in the lake is not written again.
-- Parameters: none. Slots: {{content}} (the raw cells, as '' when empty).
CREATE OR REPLACE TEMP TABLE lake_accepted AS
SELECT v.rn, unhex(md5(concat_ws(chr(31), {{content}}))) AS _row_md5
FROM lake_verdicts v JOIN lake_raw r USING (rn)
WHERE v.verdict = 'new' AND v.rn NOT IN (SELECT rn FROM lake_party_problems);
