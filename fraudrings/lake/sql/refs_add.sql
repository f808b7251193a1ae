-- Adds the parties one column of this file's accepted rows refers to.
-- Parameters: $kind (person, institution, practitioner, supplier, drug, settlement),
-- $seen_in (the file's table), $seq (its place in the load order). Slots: {{code}} (the stripped cell, e.g. c.v_psn_no),
-- {{when}} (a condition on the row, e.g. that the code names a person).
INSERT INTO lake_refs
SELECT DISTINCT $kind, {{code}}, $seen_in, $seq
FROM lake_accepted a JOIN lake_checked c USING (rn)
WHERE {{code}} IS NOT NULL AND {{when}};
