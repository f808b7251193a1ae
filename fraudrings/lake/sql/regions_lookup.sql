-- The region of each code of one kind (institution or settlement), one row per code, for
-- the file about to be written (a small table joins far faster than the lookups' log).
-- Parameters: $kind. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_lookup AS
SELECT code, any_value(region) AS region FROM lake_regions WHERE kind = $kind GROUP BY code;
