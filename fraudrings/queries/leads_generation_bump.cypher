// A new leads generation: run after every write to leads, so that answers kept under
// the old token are never served again (see leads_generation).
// params: none
// mode: write
MERGE (g:LeadsGeneration {name: 'leads'})
SET g.token = randomUUID(), g.at = datetime()
