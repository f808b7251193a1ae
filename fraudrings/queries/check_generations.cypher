// Both generation tokens in one read: the data's (facts of the pre-settlement check),
// with whether an ingest is writing now, and the leads' (open-lead membership). The API
// polls them to know whether its read model of the check is still the graph's. No node
// yet: null.
// params: none
// mode: read
OPTIONAL MATCH (d:DataGeneration {name: 'data'})
OPTIONAL MATCH (l:LeadsGeneration {name: 'leads'})
RETURN d.token AS data, coalesce(d.writing, false) AS writing, l.token AS leads
