"""``fraudrings referral create|verify``: the package of a confirmed lead; check one."""

from __future__ import annotations

import argparse
from pathlib import Path

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_FAIL, EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    if args.action == "verify":
        from fraudrings.referral import package

        v = package.verify(Path(args.target), expected_hash=args.hash)
        print(v.describe())
        return 0 if v.ok else EXIT_FAIL
    return create(args)


def create(args: argparse.Namespace) -> int:
    from fraudrings.referral import config
    from fraudrings.referral.fonts import FontMissing, find_font
    from fraudrings.referral.leadstatus import StatusError, refer_by

    if not args.out:
        raise CliError("referral create needs --out DIR", EXIT_USAGE)
    s = common.settings()
    try:
        cfg = config.load(s.referral_thresholds)
        font = find_font(s.referral_font)
    except (config.ConfigError, FontMissing) as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    store = common.store()
    try:
        res, by = refer_by(store, common.gateway, args.target, Path(args.out),
                           username=args.by, note=args.note, cfg=cfg, font=font)  # fmt: skip
    except StatusError as exc:
        raise CliError(str(exc), EXIT_FAIL) from None
    finally:
        store.close()
    print(f"lead {args.target} referred by {by}: package in {res.folder}")
    print(f"  evidence version {res.evidence_version}")
    print(f"  package hash     {res.package_hash}")
    print(f"  files            {len(res.manifest['files'])} + manifest.json, SHA256SUMS")
    return 0
