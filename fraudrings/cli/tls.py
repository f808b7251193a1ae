"""``fraudrings tls make-cert DIR``: a self-signed certificate for testing TLS."""

from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from fraudrings.tlscert import make_cert

    cert, key = make_cert(Path(args.dir), hosts=args.host or ["localhost", "127.0.0.1", "::1"])
    print(f"self-signed certificate {cert} and key {key} (for testing; 825 days)")
    print(f"use it with FRAUDRINGS_TLS=1 FRAUDRINGS_TLS_DIR={args.dir}")
    return 0
