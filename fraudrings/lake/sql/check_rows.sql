-- Checks every staged row against the contract: its cells stripped (v_<column>, NULL when
-- empty), typed where they are not text (t_<column>: dates, times, numbers, lists), the
-- columns the contract does not name (x_<column>), its row id (_row_md5, an MD5 of its raw
-- cells: it tells an exact duplicate from a conflicting key, and a row the lake holds),
-- whether it is a reversal, whether it passes every rule (ok) and whether it carries a
-- cent of rounding (warned).
-- Parameters: none. Slots: {{stripped}} (fr_strip of each contract column and the extra
-- columns), {{values}} (the typed values), {{reversal}}, {{ok}} (the AND of the columns'
-- fr_ok_*), {{warned}}, {{content}} (the raw cells, as '' when empty), {{kept}} (the
-- columns kept: the stripped text of typed cells is dropped once typed).
CREATE OR REPLACE TEMP TABLE lake_checked AS
WITH s AS (
    SELECT rn, {{stripped}}, unhex(md5(concat_ws(chr(31), {{content}}))) AS _row_md5
    FROM lake_raw r
), t AS (
    SELECT *, {{values}}, {{reversal}} AS reversal FROM s
)
SELECT {{kept}}, {{ok}} AS ok, {{warned}} AS warned FROM t;
