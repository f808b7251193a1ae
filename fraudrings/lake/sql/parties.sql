-- The parties of each new box movement: a code given on a side must be a kind of party
-- that can make the movement (a purchase comes from a supplier, a sale goes to a person,
-- ...); an empty side is an unknown party and passes. One problem (fr_issue) per wrong
-- side.
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_party_problems AS
WITH k AS (
    SELECT c.rn, c.v_event_type AS et, c.v_from_code AS fc, c.v_to_code AS tc,
           fr_party_kind(c.v_from_code) AS fk, fr_party_kind(c.v_to_code) AS tk
    FROM lake_checked c
    WHERE c.ok AND c.rn NOT IN (SELECT rn FROM lake_verdicts)
)
SELECT rn, list_filter([
    CASE WHEN fc IS NOT NULL AND NOT fr_may_give(et, fk) THEN fr_quoted('bad_code',
        'from_code ', fc, ' (' || fk || ') cannot start a ' || et) END,
    CASE WHEN tc IS NOT NULL AND NOT fr_may_receive(et, tk) THEN fr_quoted('bad_code',
        'to_code ', tc, ' (' || tk || ') cannot receive a ' || et) END
    ], lambda p: p IS NOT NULL) AS problems
FROM k
WHERE (fc IS NOT NULL AND NOT fr_may_give(et, fk))
   OR (tc IS NOT NULL AND NOT fr_may_receive(et, tk));
