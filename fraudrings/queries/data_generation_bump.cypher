// A new data generation: run before a write to the graph's facts starts (an ingest;
// $writing = true) and after it ends, failed or not ($writing = false); also when the
// graph is emptied. The pre-settlement check's read model (graph/checkfacts.py) built
// under the old token is no longer used, and none is built or used while writing.
// params: $writing
// mode: write
MERGE (g:DataGeneration {name: 'data'})
SET g.token = randomUUID(), g.at = datetime(), g.writing = $writing
RETURN g.token AS token
