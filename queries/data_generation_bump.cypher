// A new data generation: run before and after every write to the graph's facts (an
// ingest, a restore, a reset), so that the pre-settlement check's read model
// (graph/checkfacts.py), built under the old token, is no longer used.
// params: none
// mode: write
MERGE (g:DataGeneration {name: 'data'})
SET g.token = randomUUID(), g.at = datetime()
RETURN g.token AS token
