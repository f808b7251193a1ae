-- The regions of this load's lookups: an institution's division code (from the lake and
-- from this drop), a settlement's region of treatment (from this drop); they partition
-- the rows that carry no region of their own (practitioners, fee lines, box movements).
-- Parameters: none. Slots: none.
CREATE OR REPLACE TEMP TABLE lake_regions (kind VARCHAR, code VARCHAR, region VARCHAR);
