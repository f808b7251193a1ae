-- The rows of a CSV file whose cells hold line breaks, and how many each holds (\r\n,
-- \r or \n), so a row's physical line can be told as Python's csv reader tells it.
-- Parameters: $upto (the last row asked about). Slots: {{has_break}} (whether any raw
-- cell holds chr(10) or chr(13)), {{content}} (the raw cells, as '' when empty).
SELECT rn, len(regexp_extract_all(concat({{content}}), '\r\n|\r|\n')) AS breaks
FROM lake_raw r
WHERE rn <= $upto AND ({{has_break}})
ORDER BY rn;
