"""``fraudrings generate``: a synthetic drop with its ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fraudrings.cli.common import EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    from fraudrings.synth import generate, variation

    try:
        sweep = variation.from_args(args)
    except ValueError as exc:
        raise CliError(f"--fix: {exc}", EXIT_USAGE) from None
    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:<14}", file=sys.stderr)
        bar.update(done - bar.n)

    try:
        truth = generate(
            Path(args.out),
            persons=args.persons,
            seed=args.seed,
            fmt=args.format,
            progress=progress,
            **sweep,  # type: ignore[arg-type]
        )
    finally:
        for bar in bars.values():
            bar.close()
    print(f"drop written to {args.out}; ground truth at {truth}")
    return 0
