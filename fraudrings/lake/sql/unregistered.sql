-- Writes this load's new placeholders (kind, code, the table first seen in, load time)
-- under <lake>/unregistered/kind=<kind>/. A later registry row registers the party.
-- Parameters: $loaded_at. Slots: {{dir}} (the placeholders' folder as a quoted literal).
COPY (
    SELECT kind, code, seen_in, CAST($loaded_at AS TIMESTAMP) AS _loaded_at
    FROM lake_unregistered_new
    ORDER BY kind, code
) TO {{dir}} (FORMAT parquet, PARTITION_BY (kind), APPEND true, FILENAME_PATTERN 'part_{uuid}');
