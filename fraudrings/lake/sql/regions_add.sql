-- Adds the regions of this file's accepted rows (institutions or settlements).
-- Parameters: $kind ('institution' or 'settlement'). Slots: {{code}}, {{region}} (the
-- rows' stripped cells, e.g. c.v_fixmedins_code and c.v_admdvs).
INSERT INTO lake_regions
SELECT $kind, {{code}}, {{region}}
FROM lake_accepted c
WHERE {{region}} IS NOT NULL;
