"""``fraudrings ingest DIR``: load a drop online, or ``--initial`` with the offline
importer."""

from __future__ import annotations

import argparse
from pathlib import Path

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    from fraudrings.ingest.loader import load_drop, write_report
    from fraudrings.ingest.offline import InitialLoadError, initial_load

    s = common.settings()
    quarantine = Path(args.quarantine) if args.quarantine else None
    if args.initial:
        try:
            report = initial_load(s, common.server(), Path(args.drop),
                                  quarantine_root=quarantine, replace=args.yes,
                                  workers=args.workers, importer_memory=args.import_memory,
                                  progress=not args.no_progress)  # fmt: skip
        except InitialLoadError as exc:  # refused: nothing was changed
            raise CliError(str(exc), EXIT_USAGE) from None
    else:
        with common.gateway() as gw:
            report = load_drop(gw, s, Path(args.drop), batch_size=args.batch_size,
                               quarantine_root=quarantine,
                               progress=not args.no_progress)  # fmt: skip
    print(report.table())
    if args.report:
        write_report(report, Path(args.report))
        print(f"report written to {args.report}")
    return 0
