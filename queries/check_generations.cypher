// Both generation tokens in one read: the data's (facts of the pre-settlement check) and
// the leads' (open-lead membership). The API polls them to know whether its read model
// of the check is still the graph's. No node yet: null.
// params: none
// mode: read
OPTIONAL MATCH (d:DataGeneration {name: 'data'})
OPTIONAL MATCH (l:LeadsGeneration {name: 'leads'})
RETURN d.token AS data, l.token AS leads
