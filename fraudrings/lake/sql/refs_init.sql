-- The parties this load's accepted rows refer to, and where first: filled file by file,
-- they become unregistered placeholders where the lake registers no such party.
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_refs (kind VARCHAR, code VARCHAR, seen_in VARCHAR, seq INTEGER);
