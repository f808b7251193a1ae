// The data generation's token, made on first use (a graph loaded before the token
// existed gets one; an existing token is kept), and whether an ingest is writing.
// params: none
// mode: write
MERGE (g:DataGeneration {name: 'data'})
ON CREATE SET g.token = randomUUID(), g.at = datetime()
RETURN g.token AS token, coalesce(g.writing, false) AS writing
