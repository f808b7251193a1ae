-- How many rows of the file go to quarantine (failing a check, a conflicting key, a
-- movement its parties cannot make): none means no quarantine query is needed.
-- Parameters: none. Slots: none.
SELECT (SELECT count(*) FROM lake_checked WHERE NOT ok)
     + (SELECT count(*) FROM lake_verdicts WHERE verdict = 'conflict')
     + (SELECT count(*) FROM lake_party_problems);
