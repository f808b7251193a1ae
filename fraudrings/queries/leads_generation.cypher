// The leads' generation: a token that changes with every write to leads (detection,
// workflow steps, notes, referrals). The API keeps answers about leads only as long as
// the token is the one they were computed under. No node yet: null.
// params: none
// mode: read
OPTIONAL MATCH (g:LeadsGeneration {name: 'leads'})
RETURN g.token AS token
