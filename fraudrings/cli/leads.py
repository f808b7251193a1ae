"""``fraudrings leads export|set-status``: the leads as JSON; one workflow step."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_FAIL, EXIT_USAGE, CliError
from fraudrings.core.vocabulary import LEAD_STATUSES


def run(args: argparse.Namespace) -> int:
    if args.action == "set-status":
        return set_status(args)
    from fraudrings.graph.leads import export

    with common.gateway() as gw:
        leads = export(gw, include_inactive=args.all)
    text = json.dumps(leads, ensure_ascii=False, indent=1) + "\n"
    if args.out in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(leads)} leads written to {args.out}", file=sys.stderr)
    return 0


def set_status(args: argparse.Namespace) -> int:
    from fraudrings.referral.leadstatus import StatusError, set_status_by

    if not args.lead_id or not args.status or not args.by:
        raise CliError("leads set-status needs LEAD_ID STATUS --by USER", EXIT_USAGE)
    if args.status not in LEAD_STATUSES:
        raise CliError(f"STATUS is one of {', '.join(LEAD_STATUSES)}", EXIT_USAGE)
    store = common.store()
    try:
        ch = set_status_by(store, common.gateway, args.by, args.lead_id, args.status, args.note)
    except StatusError as exc:
        raise CliError(str(exc), EXIT_FAIL) from None
    finally:
        store.close()
    print(f"lead {ch.lead_id}: {ch.from_status} -> {ch.to_status} (by {args.by})")
    return 0
