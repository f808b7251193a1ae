-- The details of the quarantined rows' problems, spelled (fr_said: Python's repr of the
-- quoted cell or list), materialised on their own: DuckDB runs the spelling far slower
-- inside a join with the file or over an unmaterialised list.
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_said AS
SELECT rn, list_transform(problems, lambda p: fr_said(p)) AS problems FROM lake_problems;
