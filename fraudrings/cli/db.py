"""``fraudrings db stats|reset|backup|restore``: counts, emptying, offline backups."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    if args.action in ("backup", "restore"):
        return _backup_restore(args)
    from fraudrings.graph import schema

    with common.gateway() as gw:
        if args.action == "stats":
            st = schema.stats(gw)
            if args.json:
                print(json.dumps(st, ensure_ascii=False, indent=2))
            else:
                info = st["neo4j"]
                assert isinstance(info, dict)
                print(f"Neo4j {info['version']} {info['edition']} at {gw.uri}")
                print(f"nodes {st['nodes']:,}  relationships {st['relationships']:,}")
                for title, key in (("labels", "labels"), ("relationships", "relationship_types")):
                    counts = st[key]
                    assert isinstance(counts, dict)
                    print(f"{title}:")
                    for name, n in counts.items():
                        print(f"  {name:<16}{n:>12,}")
        elif args.action == "reset":
            if not args.yes:
                raise CliError("db reset deletes every node; pass --yes to confirm", EXIT_USAGE)
            schema.reset(gw)
            print(f"Database emptied; schema re-applied ({len(schema.statements())} statements).")
    return 0


def _backup_restore(args: argparse.Namespace) -> int:
    from fraudrings.graph import backup
    from fraudrings.graph.gateway import Gateway

    if not args.dir:
        raise CliError(f"db {args.action} needs a folder: fraudrings db {args.action} DIR", 2)
    s = common.settings()
    if not s.is_local_uri:
        raise CliError(
            "backup and restore work on the local Neo4j (offline dump/load); for the compose "
            "service run `neo4j-admin database dump` in its container",
            EXIT_USAGE,
        )
    server = common.server()
    service_db = Path(getattr(s, "service_db", "data/service.db"))

    def gw() -> Gateway:
        return Gateway.from_settings(s)

    folder = Path(args.dir)
    try:
        if args.action == "backup":
            m = backup.backup(server, gw, folder, service_db)
            g = m["graph"]
            print(
                f"backup in {folder}: {g['nodes']:,} nodes, {g['relationships']:,} relationships, "
                f"content {g['content_sha256'][:16]}; files {', '.join(m['files'])}; "
                f"{m['seconds']:.1f}s"
            )
        else:
            if not args.yes:
                raise CliError("db restore replaces the database; pass --yes to confirm", 2)
            r = backup.restore(server, gw, folder, service_db)
            g = r["graph"]
            print(
                f"restored from {folder}: {g['nodes']:,} nodes, {g['relationships']:,} "
                f"relationships, content {g['content_sha256'][:16]} (matches the backup); "
                f"restore time {r['seconds']:.1f}s"
            )
    except backup.BackupError as exc:
        raise CliError(str(exc)) from None
    return 0
