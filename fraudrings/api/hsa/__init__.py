"""The national platform's interfaces (3101, 3102, 3103, 3505) in front of the
pre-settlement check: the messages an HIS sends (:mod:`.messages`), the rule library
(:mod:`.rules`, ``rules.toml``) and the answers in the platform's result shape
(:mod:`.answer`). The routes are ``api/routers/hsa.py``."""
