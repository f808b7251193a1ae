"""``fraudrings detect`` and ``fraudrings evaluate``: run the detectors; score leads
against a drop's ground truth."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_FAIL, EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    from fraudrings.graph.detect import run_all

    bar: Any = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if args.no_progress:
            return
        from tqdm import tqdm

        if bar is None:
            bar = tqdm(total=total, desc="detect", file=sys.stderr)
        bar.set_postfix_str(f"{stage} done")
        bar.update(done - bar.n)

    lake_dir = None
    if args.lake is not None:
        lake_dir = Path(args.lake) if args.lake else common.settings().lake_dir
        if not lake_dir.is_dir():
            raise CliError(f"no lake at {lake_dir}: load the drop with `fraudrings lake ingest`")
    session = None
    engine = args.engine or common.settings().engine
    if engine == "spark":
        if lake_dir is None:
            raise CliError("--engine spark computes the lake's projections: give --lake")
        from fraudrings.lake import spark
        from fraudrings.lake.errors import LakeError

        try:
            session = spark.start(common.settings().spark_master)
        except LakeError as exc:
            raise CliError(str(exc)) from None
    with common.gateway() as gw:
        try:
            report = run_all(
                gw, progress=progress, method=args.method, lake_dir=lake_dir, spark_session=session
            )
        finally:
            if bar is not None:
                bar.close()
            if session is not None:
                session.stop()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    print(f"detection run {report['run_id']} ({report['method']}):")
    print(f"{'typology':<24}{'leads':>7}{'new':>6}{'updated':>9}{'inactive':>10}")
    for typ, r in report["typologies"].items():
        print(f"{typ:<24}{r['leads']:>7}{r['created']:>6}{r['updated']:>9}{r['deactivated']:>10}")
    if report.get("rows_from_lake"):
        print(f"rows from the lake ({lake_dir}): {', '.join(report['rows_from_lake'])}")
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in report["seconds"].items())
    print(f"time: {report['total_seconds']:.1f}s ({secs})")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from fraudrings.graph.evaluate import evaluate, meets_targets, table

    try:
        truth = json.loads(Path(args.truth).read_text(encoding="utf-8"))
        leads = json.loads(Path(args.leads).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read input: {exc}", EXIT_USAGE) from None
    result = evaluate(truth, leads)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(table(result))
    if args.check and not all(meets_targets(r) for r in result.values() if r["rings"]):
        return EXIT_FAIL
    return 0
