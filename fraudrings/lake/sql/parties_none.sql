-- No movement problems: the file is not trace_events (an empty lake_party_problems).
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_party_problems AS
SELECT CAST(NULL AS BIGINT) AS rn, [fr_note('bad_code', '')] AS problems
WHERE false;
