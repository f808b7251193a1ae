"""Offline backup and restore of the local Neo4j, and of what the service needs to come
back (its SQLite database: users and the audit trail; leads live in the graph).

Neo4j Community has no online backup: ``backup`` stops the local server, dumps the
``neo4j`` and ``system`` databases with ``neo4j-admin database dump`` (the admin tool
from the same jars), copies the service database with SQLite's online backup API, and
starts the server again if it was running. Beside the files it writes a manifest with
each file's SHA-256, the graph's counts and a content fingerprint (a hash over every
keyed node's key and every relationship type's count), which ``restore`` checks after
loading. ``check`` runs Neo4j's consistency checker on the stopped database.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from fraudrings.graph import schema
from fraudrings.graph.errors import GraphError
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.model import NODE_KEYS, label
from fraudrings.graph.server import LocalServer

MANIFEST = "manifest.json"
DATABASES = ("neo4j", "system")


class BackupError(GraphError):
    """A backup or restore could not be completed."""


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint(gw: Gateway) -> dict[str, Any]:
    """Counts by label and type, and a hash over every keyed node's key (sorted) and the
    relationship counts: equal fingerprints mean the same nodes and the same edges."""
    st = schema.stats(gw)
    h = hashlib.sha256()
    for lb, key in sorted(NODE_KEYS.items()):
        rows = gw.run_read_text(
            f"MATCH (n:{label(lb)}) WHERE n.{key} IS NOT NULL RETURN n.{key} AS k ORDER BY k"
        )
        h.update(f"{lb}:{len(rows)}\n".encode())
        for r in rows:
            h.update(str(r["k"]).encode() + b"\n")
    for t, n in sorted(st["relationship_types"].items()):  # type: ignore[attr-defined]
        h.update(f"{t}={n}\n".encode())
    return {
        "nodes": st["nodes"],
        "relationships": st["relationships"],
        "labels": st["labels"],
        "relationship_types": st["relationship_types"],
        "content_sha256": h.hexdigest(),
    }


def _admin(server: LocalServer, *args: str) -> str:
    cmd, env = server.admin_cmd(*args)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=server.home)
    if p.returncode != 0:
        raise BackupError(f"neo4j-admin {' '.join(args)} failed:\n{p.stdout}\n{p.stderr}")
    return p.stdout + p.stderr


def _copy_sqlite(src: Path, dst: Path) -> None:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def backup(
    server: LocalServer, gw_factory: Any, out: Path, service_db: Path | None
) -> dict[str, Any]:
    """Dump everything into ``out`` (which must not exist or be empty)."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; back up into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    was_running = server.running_pid() is not None
    if not was_running:
        server.start(quiet=True)
    with gw_factory() as gw:
        fp = fingerprint(gw)
    server.stop(quiet=True)
    try:
        for db in DATABASES:
            _admin(server, "database", "dump", db, f"--to-path={out}")
    finally:
        if was_running:
            server.start(quiet=True)
    files = [f"{db}.dump" for db in DATABASES]
    if service_db is not None and service_db.is_file():
        _copy_sqlite(service_db, out / "service.db")
        files.append("service.db")
    manifest = {
        "format": 1,
        "neo4j_version": server.version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "graph": fp,
        "files": {f: sha256(out / f) for f in files},
        "seconds": round(time.perf_counter() - t0, 2),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return manifest


def verify_files(src: Path) -> dict[str, Any]:
    mf = src / MANIFEST
    if not mf.is_file():
        raise BackupError(f"{src} has no {MANIFEST}; not a fraudrings backup")
    manifest: dict[str, Any] = json.loads(mf.read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        p = src / name
        if not p.is_file():
            raise BackupError(f"backup file {name} is missing")
        if sha256(p) != digest:
            raise BackupError(f"backup file {name} does not match its SHA-256 in the manifest")
    return manifest


def restore(
    server: LocalServer, gw_factory: Any, src: Path, service_db: Path | None
) -> dict[str, Any]:
    """Load a backup over the local databases, then prove the graph is the one backed up."""
    manifest = verify_files(src)
    t0 = time.perf_counter()
    server.stop(quiet=True)
    for db in DATABASES:
        _admin(server, "database", "load", db, f"--from-path={src}", "--overwrite-destination=true")
    if service_db is not None and "service.db" in manifest["files"]:
        service_db.parent.mkdir(parents=True, exist_ok=True)
        tmp = service_db.with_suffix(".restoring")
        shutil.copyfile(src / "service.db", tmp)
        for extra in (service_db.with_name(service_db.name + s) for s in ("-wal", "-shm")):
            extra.unlink(missing_ok=True)
        tmp.replace(service_db)
    server.start(quiet=True)
    with gw_factory() as gw:
        fp = fingerprint(gw)
    seconds = time.perf_counter() - t0
    if fp != manifest["graph"]:
        raise BackupError(
            "restored graph differs from the backup: "
            f"{fp['nodes']} nodes / {fp['relationships']} relationships / {fp['content_sha256']}"
            f" vs {manifest['graph']['nodes']} / {manifest['graph']['relationships']} / "
            f"{manifest['graph']['content_sha256']}"
        )
    return {"graph": fp, "seconds": round(seconds, 2)}


def consistency_check(server: LocalServer, report_dir: Path) -> str:
    """Neo4j's consistency checker on the (stopped) neo4j database."""
    report_dir.mkdir(parents=True, exist_ok=True)
    return _admin(server, "database", "check", "neo4j", f"--report-path={report_dir}")
