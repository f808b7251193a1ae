// API readiness: the database answers a trivial read.
// params: (none)
// mode: read
RETURN 1 AS ok
