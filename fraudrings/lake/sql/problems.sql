-- The rows that go to quarantine, each with every problem (fr_issue): a row that fails
-- the checks (every failing column, in the contract's column order; its cells stripped
-- again from lake_raw), a conflicting key (duplicate_key), a movement whose parties
-- cannot make it.
-- Parameters: none. Slots: {{stripped}} and {{reversal}} (as in check_rows), {{problems}}
-- (the list of fr_check_* of the columns), {{key_detail}} (the key's columns as
-- name='value' text).
CREATE OR REPLACE TEMP TABLE lake_problems AS
WITH s AS (
    SELECT rn, {{stripped}} FROM lake_raw r
    WHERE rn IN (SELECT rn FROM lake_checked WHERE NOT ok)
), t AS (
    SELECT *, {{reversal}} AS reversal FROM s
)
SELECT rn, list_filter({{problems}}, lambda p: p IS NOT NULL) AS problems FROM t
UNION ALL
SELECT v.rn, [fr_note('duplicate_key', {{key_detail}} || ' was already given with other values')]
FROM lake_verdicts v JOIN lake_raw r USING (rn) WHERE v.verdict = 'conflict'
UNION ALL
SELECT rn, problems FROM lake_party_problems;
