-- Checks every staged row against the contract: its cells stripped (v_<column>, NULL when
-- empty), typed where they are not text (t_<column>: dates, times, numbers, lists),
-- whether it is a reversal, whether it passes every rule (ok), whether it carries a cent
-- of rounding (warned), and a hash of its raw cells (h) to tell an exact duplicate from a
-- conflicting key.
-- Parameters: none. Slots: {{stripped}} (fr_strip of each contract column), {{values}}
-- (the typed values), {{reversal}}, {{ok}} (the AND of the columns' fr_ok_*),
-- {{warned}}, {{content}} (the raw cells, as '' when empty).
CREATE OR REPLACE TEMP TABLE lake_checked AS
WITH s AS (
    SELECT rn, {{stripped}}, hash({{content}}) AS h FROM lake_raw r
), t AS (
    SELECT *, {{values}}, {{reversal}} AS reversal FROM s
)
SELECT *, {{ok}} AS ok, {{warned}} AS warned FROM t;
