"""``fraudrings neo4j install|start|stop|status``: the local Neo4j server."""

from __future__ import annotations

import argparse
import json

from fraudrings.cli import common


def run(args: argparse.Namespace) -> int:
    srv = common.server()
    if args.action == "install":
        srv.check_prerequisites(need_maven=True)
        srv.install()
        print(srv.status().describe())
    elif args.action == "start":
        srv.start()
    elif args.action == "stop":
        srv.stop()
    elif args.action == "status":
        st = srv.status()
        print(json.dumps(st.as_dict()) if args.json else st.describe())
        return 0 if st.running else 1
    return 0
