"""``python -m fraudrings.synth``: write a synthetic drop, with the variation options.

    python -m fraudrings.synth --out data/drop --persons 20000 --seed 1 \
        --rings 24 --fix inpatient_recruitment.admissions_per_recruit=1.0
    python -m fraudrings.synth --space     # the variation space and the sweep's cells
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from fraudrings.synth import variation
from fraudrings.synth.generator import generate


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m fraudrings.synth", description=__doc__)
    ap.add_argument("--out", help="folder to write the drop into")
    ap.add_argument("--persons", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", default="csv", choices=["csv", "csv.gz", "parquet"])
    ap.add_argument("--space", action="store_true", help="print the variation space and exit")
    variation.add_arguments(ap)
    args = ap.parse_args(argv)
    if args.space:
        print(variation.describe_space())
        return 0
    if not args.out:
        ap.error("--out is required")
    try:
        kw = variation.from_args(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    truth = generate(
        Path(args.out),
        args.persons,
        args.seed,
        fmt=args.format,
        variation=kw["variation"],  # type: ignore[arg-type]
        rings_per_typology=kw["rings_per_typology"],  # type: ignore[arg-type]
    )
    print(f"drop written to {args.out}; ground truth at {truth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
