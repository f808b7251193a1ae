"""``fraudrings serve``: the lead API and the workbench under uvicorn."""

from __future__ import annotations

import argparse

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_USAGE, CliError


def run(args: argparse.Namespace) -> int:
    from fraudrings.api.app import serve
    from fraudrings.core.settings import SettingsError

    s = common.settings()
    try:
        s.require_api_secret()
        s.require_pseudonym_key()
        s.require_audit_key()
    except SettingsError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if s.tls and not (s.tls_cert.is_file() and s.tls_key.is_file()):
        raise CliError(
            f"FRAUDRINGS_TLS is on but {s.tls_cert} / {s.tls_key} are missing "
            "(make a local pair with `fraudrings tls make-cert DIR`)",
            EXIT_USAGE,
        )
    if args.workers is not None and args.workers < 1:
        raise CliError("--workers must be at least 1", EXIT_USAGE)
    serve(host=args.host, port=args.port, log_level=args.log_level, workers=args.workers)
    return 0
