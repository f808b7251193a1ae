-- The rows of a CSV file whose cells hold line breaks, and how many each holds (\r\n,
-- \r or \n), so a row's physical line can be told as Python's csv reader tells it.
-- Parameters: none. Slots: {{content}} (the raw cells, as '' when empty).
SELECT rn, len(regexp_extract_all(t, '\r\n|\r|\n')) AS breaks
FROM (SELECT rn, concat({{content}}) AS t FROM lake_raw r)
WHERE contains(t, chr(10)) OR contains(t, chr(13))
ORDER BY rn;
