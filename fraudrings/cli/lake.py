"""``fraudrings lake ingest DROP``: land a drop in the Parquet lake."""

from __future__ import annotations

import argparse
from pathlib import Path

from fraudrings.cli import common
from fraudrings.cli.common import CliError


def run(args: argparse.Namespace) -> int:
    from fraudrings.ingest.loader import write_report
    from fraudrings.lake.errors import LakeError
    from fraudrings.lake.ingest import LakeIngest

    s = common.settings()
    lake = LakeIngest(
        lake_dir=Path(args.lake or s.lake_dir),
        quarantine_root=Path(args.quarantine or s.quarantine_dir),
        memory_limit_mb=s.lake_memory_mb,
        threads=s.lake_threads,
    )
    try:
        report = lake.run(Path(args.drop))
    except LakeError as exc:  # a drop the contract cannot read is a DropError (exit 2)
        raise CliError(str(exc)) from None
    print(report.table())
    print(f"lake: {report.extra['lake_dir']}, rows written {report.extra['lake_rows_written']}")
    if args.report:
        write_report(report, Path(args.report))
        print(f"report written to {args.report}")
    return 0
