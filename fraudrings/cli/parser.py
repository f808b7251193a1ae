"""The command line's parser: every subcommand, its options and its handler (``func``).

Each handler lives in the module of its command group and only reads its options, calls
one function of the floor that does the work, and prints the outcome.
"""

from __future__ import annotations

import argparse

from fraudrings.cli import (
    audit,
    db,
    detect,
    generate,
    ingest,
    lake,
    leads,
    neo4j,
    referral,
    serve,
    tls,
    users,
)
from fraudrings.core.vocabulary import LEAD_STATUSES, REFERRED, ROLES
from fraudrings.synth import variation


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="fraudrings",
        description="Find organised fraud rings against the medical-insurance fund in Neo4j.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    n = sub.add_parser(
        "neo4j",
        help="install, start, stop or inspect the local Neo4j server",
        description="Manage the local Neo4j Community server (127.0.0.1 only). "
        "Jars come from Maven Central on first use.",
    )
    n.add_argument("action", choices=["install", "start", "stop", "status"])
    n.add_argument("--json", action="store_true", help="status as JSON")
    n.set_defaults(func=neo4j.run)

    d = sub.add_parser(
        "db",
        help="database statistics, reset, backup and restore",
        description="stats: version, edition and counts by label and type. "
        "reset: delete everything and re-apply graph/schema.cypher. "
        "backup DIR: offline dump of the local Neo4j and the service database, with a "
        "manifest. restore DIR --yes: load a backup and prove the graph matches it.",
    )
    d.add_argument("action", choices=["stats", "reset", "backup", "restore"])
    d.add_argument("dir", nargs="?", help="backup/restore: the backup folder")
    d.add_argument("--json", action="store_true", help="stats as JSON")
    d.add_argument("--yes", action="store_true", help="confirm reset or restore")
    d.set_defaults(func=db.run)

    i = sub.add_parser(
        "ingest",
        help="load a drop (a folder of contract files) into Neo4j",
        description="Load every contract file found in DROP (CSV, CSV.gz or Parquet; any "
        "subset). Bad rows go to quarantine with their reasons; rerunning changes nothing.",
    )
    i.add_argument("drop", help="folder of the drop")
    i.add_argument("--report", help="also write the load report as JSON to this file")
    i.add_argument("--batch-size", type=int, default=0, help="rows per write transaction")
    i.add_argument("--quarantine", help="folder for quarantined rows (default data/quarantine)")
    i.add_argument("--no-progress", action="store_true", help="no progress bars")
    i.add_argument(
        "--initial",
        action="store_true",
        help="first load of an EMPTY local database with Neo4j's offline importer "
        "(neo4j-admin database import full), several times faster: the same checks, "
        "quarantine, report and resulting graph as the online load; stops the local server "
        "(`fraudrings neo4j start|stop`) for the import, starts it again and applies the "
        "schema. Refuses a database that holds any node unless --yes. Daily increments "
        "load online (without --initial).",
    )
    i.add_argument(
        "--yes",
        action="store_true",
        help="with --initial: replace a non-empty database (everything in it, leads included)",
    )
    i.add_argument(
        "--workers",
        type=int,
        default=0,
        help="with --initial: processes preparing the files (default: CPUs, at most 4)",
    )
    i.add_argument(
        "--import-memory",
        default="2g",
        help="with --initial: the importer's off-heap memory (default 2g)",
    )
    i.set_defaults(func=ingest.run)

    g = sub.add_parser(
        "generate",
        help="write a synthetic drop with injected fraud rings",
        description="Write a realistic synthetic drop to OUT and its ground truth beside it "
        "(OUT.truth.json). Deterministic per seed.",
    )
    g.add_argument("--out", required=True, help="folder to write the drop into")
    g.add_argument("--persons", type=int, default=20000, help="insured persons (default 20000)")
    g.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    g.add_argument("--format", default="csv", choices=["csv", "csv.gz", "parquet"])
    variation.add_arguments(g)
    g.set_defaults(func=generate.run)

    lk = sub.add_parser(
        "lake",
        help="land a drop in the Parquet lake (DuckDB), checked as the contract says",
        description="ingest DROP: check every file of DROP (the same rules, quarantine "
        "files and report as `fraudrings ingest`), append the rows the lake does not hold "
        "yet to <lake>/<table>/region=<code>/month=<YYYY-MM>/ (FRAUDRINGS_LAKE_DIR), and "
        "placeholders for parties no registry file holds. Loading a drop twice adds nothing.",
    )
    lk.add_argument("action", choices=["ingest"])
    lk.add_argument("drop", help="folder of the drop")
    lk.add_argument("--lake", help="the lake's folder (default FRAUDRINGS_LAKE_DIR, data/lake)")
    lk.add_argument("--report", help="also write the load report as JSON to this file")
    lk.add_argument("--quarantine", help="folder for quarantined rows (default data/quarantine)")
    lk.set_defaults(func=lake.run)

    dt = sub.add_parser(
        "detect",
        help="run every detector and store the leads in Neo4j",
        description="Run every detector on the loaded graph; leads keep their ids across "
        "reruns. With --lake, the rows a lake projection gives (claims after death, "
        "readmissions, pharmacies' arrivals) are read from the lake the same drop was "
        "loaded into.",
    )
    dt.add_argument("--method", choices=["igraph", "leidenalg"], default="igraph")
    dt.add_argument(
        "--lake",
        nargs="?",
        const="",
        default=None,
        help="read the projections' rows from this lake (without a folder: FRAUDRINGS_LAKE_DIR)",
    )
    dt.add_argument(
        "--engine",
        choices=["duckdb", "spark"],
        help="what computes the projections with --lake (default FRAUDRINGS_ENGINE, duckdb; "
        "spark at FRAUDRINGS_SPARK_MASTER)",
    )
    dt.add_argument("--json", action="store_true", help="print the run report as JSON")
    dt.add_argument("--no-progress", action="store_true", help="no progress bar")
    dt.set_defaults(func=detect.run)

    le = sub.add_parser(
        "leads",
        help="export the stored leads, or move one in the workflow",
        description="export: the leads as the contract's JSON. set-status LEAD_ID STATUS --by "
        "USER [--note TEXT]: one workflow step, checked and recorded as through the API.",
    )
    le.add_argument("action", choices=["export", "set-status"])
    le.add_argument("lead_id", nargs="?", help="set-status: the lead")
    le.add_argument(
        "status",
        nargs="?",
        help="set-status: " + ", ".join(s for s in LEAD_STATUSES if s != REFERRED),
    )
    le.add_argument("--by", help="set-status: the user (of `fraudrings users`) making the step")
    le.add_argument("--note", help="set-status: a note for the lead's history")
    le.add_argument("--out", help="file to write the JSON array to (default stdout)")
    le.add_argument("--all", action="store_true", help="include leads no longer detected")
    le.set_defaults(func=leads.run)

    rf = sub.add_parser(
        "referral",
        help="refer a confirmed lead to public security, or verify a package",
        description="create LEAD_ID --out DIR [--by USER]: the package (PDF in Chinese, "
        "evidence JSON/CSV, the ring's picture, SHA-256 manifest), recorded in the graph and "
        "the audit log; the lead moves to referred. verify DIR: exit 1 on any changed, "
        "missing or added file.",
    )
    rf.add_argument("action", choices=["create", "verify"])
    rf.add_argument("target", help="create: the lead id; verify: the package folder")
    rf.add_argument("--out", help="create: a new or empty folder for the package")
    rf.add_argument("--by", help="create: a supervisor (of `fraudrings users`); scopes the lead")
    rf.add_argument("--note", help="create: a note for the lead's history")
    rf.add_argument("--hash", help="verify: the package hash it must have")
    rf.set_defaults(func=referral.run)

    ev = sub.add_parser(
        "evaluate",
        help="score exported leads against a drop's ground truth",
        description="Per typology: rings injected and found, ring recall, member precision "
        "and benign look-alikes flagged.",
    )
    ev.add_argument("--truth", required=True, help="the generator's OUT.truth.json")
    ev.add_argument("--leads", required=True, help="leads exported by `leads export`")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    ev.set_defaults(func=detect.evaluate)

    sv = sub.add_parser(
        "serve",
        help="run the lead-query API (FastAPI under uvicorn)",
        description="Serve the API; OpenAPI at /docs. Needs FRAUDRINGS_API_SECRET_KEY.",
    )
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port (8000)")
    sv.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    sv.add_argument(
        "--workers",
        type=int,
        default=None,
        help="uvicorn worker processes (FRAUDRINGS_API_WORKERS, default 1)",
    )
    sv.set_defaults(func=serve.run)

    us = sub.add_parser(
        "users",
        help="accounts of the API: add, list, passwd, totp, disable, enable",
        description="Users of the API, kept in the service database (FRAUDRINGS_SERVICE_DB). "
        'Example: echo "$PW" | fraudrings users add alice --role admin --region 37 '
        "--password-stdin. add prints the TOTP enrolment (QR code and otpauth:// URI) once; "
        "totp NAME makes a new TOTP secret and prints its enrolment; enable also lifts a "
        "lockout.",
    )
    us.add_argument("action", choices=["add", "list", "passwd", "totp", "disable", "enable"])
    us.add_argument("name", nargs="?", help="username")
    us.add_argument("--role", choices=ROLES)
    us.add_argument("--region", help="division-code prefix the user sees ('' = everything)")
    us.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    us.add_argument(
        "--institution",
        action="append",
        default=[],
        metavar="FIXMEDINS_CODE",
        help="role institution: an institution code its counters check (repeat for several)",
    )
    us.set_defaults(func=users.run)

    au = sub.add_parser(
        "audit",
        help="the API's audit log: verify the hash chain, export its head, prune past the "
        "retention",
        description="verify: walk the hash chain (keyed with FRAUDRINGS_AUDIT_KEY), exit 1 "
        "naming the first broken row; with --head ROW:HASH also that this exported head is "
        "still in the chain. head: print the last row's ROW:HASH, to keep outside the "
        "database. "
        "prune: delete rows older than FRAUDRINGS_AUDIT_RETENTION_DAYS (184 at least) and "
        "record a checkpoint, so the chain still verifies from the first kept row.",
    )
    au.add_argument("action", choices=["verify", "head", "prune"])
    au.add_argument("--head", help="verify: a ROW:HASH printed by `audit head` earlier")
    au.add_argument("--retention-days", type=int, help="prune: override the setting (>= 184)")
    au.set_defaults(func=audit.run)

    tl = sub.add_parser(
        "tls",
        help="make a local self-signed certificate for testing TLS",
        description="make-cert DIR: cert.pem and key.pem (RSA 2048, self-signed) for Bolt "
        "and HTTPS; then FRAUDRINGS_TLS=1 FRAUDRINGS_TLS_DIR=DIR.",
    )
    tl.add_argument("action", choices=["make-cert"])
    tl.add_argument("dir", help="folder to write cert.pem and key.pem into")
    tl.add_argument("--host", action="append", help="a name or address to certify (repeat)")
    tl.set_defaults(func=tls.run)
    return p
