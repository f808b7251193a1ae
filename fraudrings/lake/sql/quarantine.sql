-- The quarantine records of one file, in file order: each row's reasons with their
-- details (lake_said) and its raw cells (the few rows picked from lake_raw first).
-- Parameters: none. Slots: {{raw}} (the raw cells, as '' when empty).
SELECT q.rn, q.problems, {{raw}}
FROM (SELECT * FROM lake_raw WHERE rn IN (SELECT rn FROM lake_said)) r
JOIN lake_said q USING (rn)
ORDER BY q.rn;
