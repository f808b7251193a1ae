"""``fraudrings audit verify|head|prune``: the audit log's hash chain."""

from __future__ import annotations

import argparse
import sys

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_FAIL, EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    from fraudrings.casework import accounts
    from fraudrings.casework.store import AuditBroken

    s = common.settings()
    store = common.store()
    try:
        if args.action == "head":
            h = store.audit_head()
            print(f"{h['id']}:{h['hash']}" if h["id"] else "(the audit log is empty)")
            return 0
        if args.action == "verify":
            head = None
            if args.head:
                rid, _, digest = args.head.partition(":")
                if not rid.isdigit() or len(digest) != 64:
                    raise CliError("--head is ROW_ID:HASH, as `audit head` prints it", EXIT_USAGE)
                head = (int(rid), digest)
            try:
                r = store.verify_audit(head=head)
            except AuditBroken as exc:
                print(f"audit chain BROKEN at row {exc.row_id}: {exc.reason}", file=sys.stderr)
                return EXIT_FAIL
            print(
                f"audit chain intact: {r['rows']:,} rows, ids {r['first_id']}..{r['last_id']}, "
                f"head {str(r['head'])[:16]}"
            )
            return 0
        days = args.retention_days or s.audit_retention_days
        try:
            r = accounts.prune_audit(store, days)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        print(
            f"audit rows older than {days} days (before {r['cutoff']}) deleted: "
            f"{r['deleted']:,}; the chain now starts at row {r['first_kept_id'] or '(unchanged)'}"
        )
        return 0
    finally:
        store.close()
