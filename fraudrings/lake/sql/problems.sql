-- The rows that go to quarantine, each with every problem (fr_issue): a row that fails
-- the checks (every failing column, in the contract's column order), a conflicting key
-- (duplicate_key), a movement whose parties cannot make it.
-- Parameters: none. Slots: {{problems}} (the list of fr_check_* of the columns),
-- {{key_detail}} (the key's columns as name='value' text).
CREATE OR REPLACE TEMP TABLE lake_problems AS
SELECT c.rn, list_filter({{problems}}, lambda p: p IS NOT NULL) AS problems
FROM lake_checked c WHERE NOT c.ok
UNION ALL
SELECT v.rn, [fr_note('duplicate_key', {{key_detail}} || ' was already given with other values')]
FROM lake_verdicts v JOIN lake_raw r USING (rn) WHERE v.verdict = 'conflict'
UNION ALL
SELECT rn, problems FROM lake_party_problems;
