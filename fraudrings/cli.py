"""``fraudrings``: the one console command, with a subcommand per job.

Exit codes: 0 done; 1 failed; 2 bad usage or configuration; 3 Neo4j unreachable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fraudrings.core.vocabulary import LEAD_STATUSES, REFERRED, ROLES

EXIT_FAIL, EXIT_USAGE, EXIT_UNAVAILABLE = 1, 2, 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAIL) -> None:
        super().__init__(message)
        self.code = code


def _settings() -> Any:
    from fraudrings.core.settings import SettingsError, get_settings

    try:
        return get_settings()
    except SettingsError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _gateway() -> Any:
    from fraudrings.graph.gateway import Gateway

    return Gateway.from_settings(_settings())


def _server() -> Any:
    from fraudrings.graph.server import LocalServer

    return LocalServer(_settings())


# --- neo4j ---------------------------------------------------------------------------------
def cmd_neo4j(args: argparse.Namespace) -> int:
    srv = _server()
    if args.action == "install":
        srv.check_prerequisites(need_maven=True)
        srv.install()
        print(srv.status().describe())
    elif args.action == "start":
        srv.start()
    elif args.action == "stop":
        srv.stop()
    elif args.action == "status":
        st = srv.status()
        if args.json:
            print(
                json.dumps(
                    {
                        "running": st.running,
                        "pid": st.pid,
                        "bolt_port": st.bolt_port,
                        "http_port": st.http_port,
                        "version": st.version,
                        "installed": st.installed,
                        "home": str(st.home),
                    }
                )
            )
        else:
            print(st.describe())
        return 0 if st.running else 1
    return 0


# --- db ------------------------------------------------------------------------------------
def cmd_db(args: argparse.Namespace) -> int:
    from fraudrings.graph import schema

    if args.action in ("backup", "restore"):
        return _backup_restore(args)
    with _gateway() as gw:
        if args.action == "stats":
            st = schema.stats(gw)
            if args.json:
                print(json.dumps(st, ensure_ascii=False, indent=2))
            else:
                info = st["neo4j"]
                assert isinstance(info, dict)
                print(f"Neo4j {info['version']} {info['edition']} at {gw.uri}")
                print(f"nodes {st['nodes']:,}  relationships {st['relationships']:,}")
                for title, key in (("labels", "labels"), ("relationships", "relationship_types")):
                    counts = st[key]
                    assert isinstance(counts, dict)
                    print(f"{title}:")
                    for name, n in counts.items():
                        print(f"  {name:<16}{n:>12,}")
        elif args.action == "reset":
            if not args.yes:
                raise CliError("db reset deletes every node; pass --yes to confirm", EXIT_USAGE)
            schema.reset(gw)
            print(f"Database emptied; schema re-applied ({len(schema.statements())} statements).")
    return 0


def _backup_restore(args: argparse.Namespace) -> int:
    from fraudrings.graph import backup
    from fraudrings.graph.gateway import Gateway

    if not args.dir:
        raise CliError(f"db {args.action} needs a folder: fraudrings db {args.action} DIR", 2)
    s = _settings()
    if not s.is_local_uri:
        raise CliError(
            "backup and restore work on the local Neo4j (offline dump/load); for the compose "
            "service run `neo4j-admin database dump` in its container",
            EXIT_USAGE,
        )
    server = _server()
    service_db = Path(getattr(s, "service_db", "data/service.db"))

    def gw() -> Gateway:
        return Gateway.from_settings(s)

    folder = Path(args.dir)
    try:
        if args.action == "backup":
            m = backup.backup(server, gw, folder, service_db)
            g = m["graph"]
            print(
                f"backup in {folder}: {g['nodes']:,} nodes, {g['relationships']:,} relationships, "
                f"content {g['content_sha256'][:16]}; files {', '.join(m['files'])}; "
                f"{m['seconds']:.1f}s"
            )
        else:
            if not args.yes:
                raise CliError("db restore replaces the database; pass --yes to confirm", 2)
            r = backup.restore(server, gw, folder, service_db)
            g = r["graph"]
            print(
                f"restored from {folder}: {g['nodes']:,} nodes, {g['relationships']:,} "
                f"relationships, content {g['content_sha256'][:16]} (matches the backup); "
                f"restore time {r['seconds']:.1f}s"
            )
    except backup.BackupError as exc:
        raise CliError(str(exc)) from None
    return 0


# --- ingest --------------------------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace) -> int:
    from fraudrings.ingest.loader import write_report

    s = _settings()
    if args.initial:
        report = _ingest_initial(args, s)
    else:
        with _gateway() as gw:
            report = _ingest_online(args, s, gw)
    print(report.table())
    if args.report:
        write_report(report, Path(args.report))
        print(f"report written to {args.report}")
    return 0


def _ingest_online(args: argparse.Namespace, s: Any, gw: Any) -> Any:
    from fraudrings.ingest.loader import Loader

    with gw:
        loader = Loader(
            gw,
            batch_size=args.batch_size or s.batch_size,
            quarantine_root=Path(args.quarantine or s.quarantine_dir),
            progress=not args.no_progress,
        )
        return loader.load(Path(args.drop))


def _ingest_initial(args: argparse.Namespace, s: Any) -> Any:
    from fraudrings.graph.gateway import Gateway
    from fraudrings.ingest.offline import InitialLoad, InitialLoadError

    if not s.is_local_uri:
        raise CliError(
            f"--initial writes the files of the local Neo4j (`fraudrings neo4j start`), not "
            f"{s.neo4j_uri}; load a remote server with `fraudrings ingest DIR`",
            EXIT_USAGE,
        )
    load = InitialLoad(
        server=_server(),
        gateway=lambda: Gateway.from_settings(s),
        quarantine_root=Path(args.quarantine or s.quarantine_dir),
        replace=args.yes,
        workers=args.workers,
        importer_memory=args.import_memory,
        database=s.neo4j_database,
        progress=not args.no_progress,
    )
    try:
        return load.run(Path(args.drop))
    except InitialLoadError as exc:  # refused: nothing was changed
        raise CliError(str(exc), EXIT_USAGE) from None


# --- generate ------------------------------------------------------------------------------
def cmd_generate(args: argparse.Namespace) -> int:
    from fraudrings.synth import generate

    bars: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        from tqdm import tqdm

        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=f"{stage:<14}", file=sys.stderr)
        bar.update(done - bar.n)

    from fraudrings.synth import variation

    try:
        sweep = variation.from_args(args)
    except ValueError as exc:
        raise CliError(f"--fix: {exc}", EXIT_USAGE) from None
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


# --- detect / leads / evaluate ------------------------------------------------------------
def cmd_detect(args: argparse.Namespace) -> int:
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

    with _gateway() as gw:
        try:
            report = run_all(gw, progress=progress, method=args.method)
        finally:
            if bar is not None:
                bar.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    print(f"detection run {report['run_id']} ({report['method']}):")
    print(f"{'typology':<24}{'leads':>7}{'new':>6}{'updated':>9}{'inactive':>10}")
    for typ, r in report["typologies"].items():
        print(f"{typ:<24}{r['leads']:>7}{r['created']:>6}{r['updated']:>9}{r['deactivated']:>10}")
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in report["seconds"].items())
    print(f"time: {report['total_seconds']:.1f}s ({secs})")
    return 0


def cmd_leads(args: argparse.Namespace) -> int:
    from fraudrings.graph.leads import export

    if args.action == "set-status":
        return cmd_leads_set_status(args)
    with _gateway() as gw:
        leads = export(gw, include_inactive=args.all)
    text = json.dumps(leads, ensure_ascii=False, indent=1) + "\n"
    if args.out in (None, "-"):
        sys.stdout.write(text)
    else:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(leads)} leads written to {args.out}", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
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


# --- serve and users (the lead-query API, api/) ----------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    from fraudrings.api.app import serve
    from fraudrings.core.settings import SettingsError

    try:
        _settings().require_api_secret()
    except SettingsError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    s = _settings()
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


def _print_enrolment(username: str, secret: str) -> None:
    from fraudrings.casework.totp import qr_terminal, totp_uri

    uri = totp_uri(username, secret)
    print(f"TOTP enrolment of {username} (shown once; scan it into an authenticator app):")
    print(qr_terminal(uri))
    print(uri)


def cmd_tls(args: argparse.Namespace) -> int:
    from fraudrings.tlscert import make_cert

    cert, key = make_cert(Path(args.dir), hosts=args.host or ["localhost", "127.0.0.1", "::1"])
    print(f"self-signed certificate {cert} and key {key} (for testing; 825 days)")
    print(f"use it with FRAUDRINGS_TLS=1 FRAUDRINGS_TLS_DIR={args.dir}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from fraudrings.casework.store import AuditBroken, Store

    s = _settings()
    store = Store(s.service_db)
    try:
        if args.action == "verify":
            try:
                r = store.verify_audit()
            except AuditBroken as exc:
                print(f"audit chain BROKEN at row {exc.row_id}: {exc.reason}", file=sys.stderr)
                return EXIT_FAIL
            print(
                f"audit chain intact: {r['rows']:,} rows, ids {r['first_id']}..{r['last_id']}, "
                f"head {str(r['head'])[:16]}"
            )
            return 0
        days = args.retention_days or s.audit_retention_days
        try:
            r = store.prune_audit(days)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        store.audit(
            username="cli", role=None, region=None, method="CLI", path="cli:audit prune",
            route="cli:audit prune", params={"retention_days": days, **r}, entity_ids=[],
            status=200, duration_ms=0.0, client="cli",
        )  # fmt: skip
        print(
            f"audit rows older than {days} days (before {r['cutoff']}) deleted: "
            f"{r['deleted']:,}; the chain now starts at row {r['first_kept_id'] or '(unchanged)'}"
        )
        return 0
    finally:
        store.close()


def cmd_users(args: argparse.Namespace) -> int:
    from fraudrings.casework.passwords import hash_password
    from fraudrings.casework.roles import valid_region
    from fraudrings.casework.store import Store, UserExists

    store = Store(_settings().service_db)
    try:
        if args.action == "list":
            for u in store.list_users():
                state = "active" if u.active else "disabled"
                print(f"{u.username:<24}{u.role:<14}{u.region or '(all)':<8}{state}")
            return 0
        if not args.name:
            raise CliError(f"users {args.action} needs NAME", EXIT_USAGE)
        if args.action in ("add", "passwd"):
            if not args.password_stdin:
                raise CliError(
                    "pass the password on standard input with --password-stdin", EXIT_USAGE
                )
            password = sys.stdin.readline().rstrip("\r\n")
            try:
                hashed = hash_password(password)
            except ValueError as exc:
                raise CliError(str(exc), EXIT_USAGE) from None
            if args.action == "passwd":
                if not store.set_password(args.name, hashed):
                    raise CliError(f"no user {args.name!r}", EXIT_FAIL)
                print(f"password of {args.name} changed")
                return 0
            if args.role not in ROLES:
                raise CliError(f"--role is one of {', '.join(ROLES)}", EXIT_USAGE)
            if args.region is None or not valid_region(args.region):
                raise CliError(
                    "--region is a division-code prefix of 0 to 6 digits "
                    "(37 a province, 3701 a city, '' the whole country)",
                    EXIT_USAGE,
                )
            try:
                u = store.add_user(args.name, args.role, args.region, hashed)
            except UserExists as exc:
                raise CliError(str(exc), EXIT_FAIL) from None
            print(f"user {u.username} added: role {u.role}, region {u.region or '(all)'}")
            assert u.totp_secret
            _print_enrolment(u.username, u.totp_secret)
            return 0
        if args.action == "totp":
            from fraudrings.casework.totp import new_totp_secret

            secret = new_totp_secret()
            if not store.set_totp(args.name, secret):
                raise CliError(f"no user {args.name!r}", EXIT_FAIL)
            print(f"new TOTP secret for {args.name}; the old one no longer works")
            _print_enrolment(args.name, secret)
            return 0
        active = args.action == "enable"
        if not store.set_active(args.name, active):
            raise CliError(f"no user {args.name!r}", EXIT_FAIL)
        print(f"user {args.name} {'enabled' if active else 'disabled'}")
        return 0
    finally:
        store.close()


# --- referral to public security (referral/) ----------------------------------------------
def _store() -> Any:
    from fraudrings.casework.store import Store

    return Store(_settings().service_db)


def cmd_leads_set_status(args: argparse.Namespace) -> int:
    from fraudrings.referral.leadstatus import StatusError, audit_cli, cli_user, set_status

    if not args.lead_id or not args.status or not args.by:
        raise CliError("leads set-status needs LEAD_ID STATUS --by USER", EXIT_USAGE)
    if args.status not in LEAD_STATUSES:
        raise CliError(f"STATUS is one of {', '.join(LEAD_STATUSES)}", EXIT_USAGE)
    params = {"lead_id": args.lead_id, "status": args.status, "note": args.note}
    ids = [f"lead:{args.lead_id}"]
    store = _store()
    user = None
    try:
        try:
            user = cli_user(store, args.by)
            with _gateway() as gw:
                ch = set_status(gw, user, args.lead_id, args.status, args.note)
        except StatusError as exc:
            audit_cli(store, user=user, username=args.by, command="leads set-status",
                      params=params, entity_ids=ids, status=exc.code)  # fmt: skip
            raise CliError(str(exc), EXIT_FAIL) from None
        audit_cli(store, user=user, username=args.by, command="leads set-status",
                  params=params, entity_ids=ids, status=200)  # fmt: skip
    finally:
        store.close()
    print(f"lead {ch.lead_id}: {ch.from_status} -> {ch.to_status} (by {args.by})")
    return 0


def cmd_referral(args: argparse.Namespace) -> int:
    from fraudrings.referral import package

    if args.action == "verify":
        v = package.verify(Path(args.target), expected_hash=args.hash)
        print(v.describe())
        return 0 if v.ok else EXIT_FAIL
    return _referral_create(args)


def _referral_create(args: argparse.Namespace) -> int:
    import getpass

    from fraudrings.referral import config, service
    from fraudrings.referral.fonts import FontMissing, find_font
    from fraudrings.referral.leadstatus import StatusError, audit_cli, cli_user

    if not args.out:
        raise CliError("referral create needs --out DIR", EXIT_USAGE)
    s = _settings()
    try:
        cfg = config.load(s.referral_thresholds)
        font = find_font(s.referral_font)
    except (config.ConfigError, FontMissing) as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    by = args.by or f"cli:{getpass.getuser()}"
    params = {"lead_id": args.target, "out": str(args.out)}
    ids = [f"lead:{args.target}"]
    store = _store()
    user = None
    try:
        try:
            if args.by:
                user = store.get_user(args.by)  # for the audit row, even when refused
                user = cli_user(store, args.by, "supervisor")
            region = user.region if user else ""
            with _gateway() as gw:
                res = service.create(gw, args.target, Path(args.out), by=by, region=region,
                                     note=args.note, cfg=cfg, font=font)  # fmt: skip
        except (StatusError, service.LeadNotFound, service.NotConfirmed,
                service.ReferralConflict, FileExistsError) as exc:  # fmt: skip
            code = 404 if isinstance(exc, service.LeadNotFound) else 409
            code = exc.code if isinstance(exc, StatusError) else code
            audit_cli(store, user=user, username=by, command="referral create",
                      params=params, entity_ids=ids, status=code)  # fmt: skip
            msg = f"no lead {args.target}" if code == 404 else str(exc)
            raise CliError(msg, EXIT_FAIL) from None
        params.update(package_hash=res.package_hash, evidence_version=res.evidence_version)
        audit_cli(store, user=user, username=by, command="referral create", params=params,
                  entity_ids=[*ids, f"referral:{res.referral_id}"], status=201)  # fmt: skip
    finally:
        store.close()
    print(f"lead {args.target} referred by {by}: package in {res.folder}")
    print(f"  evidence version {res.evidence_version}")
    print(f"  package hash     {res.package_hash}")
    print(f"  files            {len(res.manifest['files'])} + manifest.json, SHA256SUMS")
    return 0


# --- parser --------------------------------------------------------------------------------
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
    n.set_defaults(func=cmd_neo4j)

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
    d.set_defaults(func=cmd_db)

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
    i.set_defaults(func=cmd_ingest)

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
    from fraudrings.synth import variation

    variation.add_arguments(g)
    g.set_defaults(func=cmd_generate)

    dt = sub.add_parser(
        "detect",
        help="run every detector and store the leads in Neo4j",
        description="Run the recycled-drug, prescription-buyer and inpatient-recruitment "
        "detectors on the loaded graph; leads keep their ids across reruns.",
    )
    dt.add_argument("--method", choices=["igraph", "leidenalg"], default="igraph")
    dt.add_argument("--json", action="store_true", help="print the run report as JSON")
    dt.add_argument("--no-progress", action="store_true", help="no progress bar")
    dt.set_defaults(func=cmd_detect)

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
    le.set_defaults(func=cmd_leads)

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
    rf.set_defaults(func=cmd_referral)

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
    ev.set_defaults(func=cmd_evaluate)

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
    sv.set_defaults(func=cmd_serve)

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
    us.set_defaults(func=cmd_users)

    au = sub.add_parser(
        "audit",
        help="the API's audit log: verify the hash chain, prune past the retention",
        description="verify: walk the hash chain, exit 1 naming the first broken row. "
        "prune: delete rows older than FRAUDRINGS_AUDIT_RETENTION_DAYS (184 at least) and "
        "record a checkpoint, so the chain still verifies from the first kept row.",
    )
    au.add_argument("action", choices=["verify", "prune"])
    au.add_argument("--retention-days", type=int, help="prune: override the setting (>= 184)")
    au.set_defaults(func=cmd_audit)

    tl = sub.add_parser(
        "tls",
        help="make a local self-signed certificate for testing TLS",
        description="make-cert DIR: cert.pem and key.pem (RSA 2048, self-signed) for Bolt "
        "and HTTPS; then FRAUDRINGS_TLS=1 FRAUDRINGS_TLS_DIR=DIR.",
    )
    tl.add_argument("action", choices=["make-cert"])
    tl.add_argument("dir", help="folder to write cert.pem and key.pem into")
    tl.add_argument("--host", action="append", help="a name or address to certify (repeat)")
    tl.set_defaults(func=cmd_tls)
    return p


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
        s = _settings()
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


if __name__ == "__main__":
    sys.exit(main())
