-- The parties the lake registers, by kind (filled from each registry table's keys) and
-- the placeholders it already holds.
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_registered (kind VARCHAR, code VARCHAR);
