"""The casework floor: what an investigation office does with leads, below the API and
referral and above the graph.

* :mod:`.workflow` - which status may follow which, and who may move or assign a lead;
* :mod:`.leads` - the one way a lead changes: the write, then renewed generation tokens;
* :mod:`.scope` - what a region may read of a lead's evidence lines and of audit rows
  naming leads;
* :mod:`.roles`, :mod:`.passwords`, :mod:`.tokens`, :mod:`.totp` - roles and credentials;
* :mod:`.store` - the service database (users, sessions, audit chain, jobs), its schema
  changes as numbered migration files.
"""
