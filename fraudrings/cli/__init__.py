"""``fraudrings``: the one console command, with a subcommand per job.

The parser is :mod:`.parser`; each command group has a module of its own (:mod:`.neo4j`,
:mod:`.db`, :mod:`.ingest`, :mod:`.lake`, :mod:`.generate`, :mod:`.detect`, :mod:`.leads`,
:mod:`.referral`, :mod:`.serve`, :mod:`.users`, :mod:`.audit`, :mod:`.tls`) whose
handlers read the options, call one function of a lower floor and print; what they share
is :mod:`.common`.

Exit codes: 0 done; 1 failed; 2 bad usage or configuration; 3 Neo4j unreachable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from fraudrings.cli import common
from fraudrings.cli.common import EXIT_FAIL, EXIT_UNAVAILABLE, EXIT_USAGE, CliError
from fraudrings.cli.parser import build_parser

__all__ = ["EXIT_FAIL", "EXIT_UNAVAILABLE", "EXIT_USAGE", "CliError", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    from fraudrings.graph.errors import GraphAuthError, GraphError, GraphUnavailable
    from fraudrings.ingest.readers import DropError

    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CliError as exc:
        print(f"fraudrings: {exc}", file=sys.stderr)
        return exc.code
    except GraphUnavailable as exc:
        s = common.settings()
        hint = " Start it with `fraudrings neo4j start`." if s.is_local_uri else ""
        print(
            f"fraudrings: Neo4j at {s.neo4j_uri} cannot be reached.{hint}\n  ({exc})",
            file=sys.stderr,
        )
        return EXIT_UNAVAILABLE
    except GraphAuthError as exc:
        print(f"fraudrings: {exc} (check NEO4J_USER / NEO4J_PASSWORD)", file=sys.stderr)
        return EXIT_USAGE
    except DropError as exc:
        print(f"fraudrings: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GraphError as exc:
        print(f"fraudrings: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("fraudrings: interrupted; run the same command again to finish.", file=sys.stderr)
        return 130
