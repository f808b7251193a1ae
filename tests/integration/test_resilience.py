"""Faults and recovery on a server of their own (instance "drill"), since they stop and
kill it: a restore drill (backup, damage, restore, same counts and content hash), and
Neo4j killed with -9 in the middle of an ingest, restarted, the ingest rerun: nothing
lost, nothing doubled, and Neo4j's consistency checker passes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fraudrings.core.settings import Settings
from fraudrings.graph import backup, schema
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.server import LocalServer
from fraudrings.synth import generate
from tests.integration.conftest import ROOT

pytestmark = pytest.mark.integration

BOLT = int(os.environ.get("FRAUDRINGS_DRILL_BOLT_PORT", "21687"))
HTTP = int(os.environ.get("FRAUDRINGS_DRILL_HTTP_PORT", "21474"))


@pytest.fixture(scope="module")
def drill(settings: Settings) -> Iterator[tuple[LocalServer, Settings]]:
    s = settings.model_copy(
        update={
            "neo4j_instance": "drill",
            "neo4j_bolt_port": BOLT,
            "neo4j_http_port": HTTP,
            "neo4j_uri": f"bolt://127.0.0.1:{BOLT}",
        }
    )
    srv = LocalServer(s)
    srv.start(quiet=True)
    yield srv, s
    srv.stop(quiet=True)


def gw_of(s: Settings) -> Gateway:
    return Gateway.from_settings(s)


def _ingest(s: Settings, drop: Path, q: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "NEO4J_URI": s.neo4j_uri,
        "NEO4J_PASSWORD": s.neo4j_password.get_secret_value(),
    }
    cmd = [sys.executable, "-m", "fraudrings.cli", "ingest", str(drop), "--no-progress"]
    cmd += ["--batch-size", "500", "--quarantine", str(q)]
    out = subprocess.PIPE
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("drill") / "drop"
    generate(out, persons=300, seed=5)
    return out


def test_kill_9_mid_ingest_then_rerun_loses_and_doubles_nothing(
    drill: tuple[LocalServer, Settings], drop: Path, tmp_path: Path
) -> None:
    srv, s = drill
    with gw_of(s) as gw:
        schema.reset(gw)
    clean = _ingest(s, drop, tmp_path / "q0")
    assert clean.wait(timeout=900) == 0, clean.stdout.read() if clean.stdout else ""
    with gw_of(s) as gw:
        expected = backup.fingerprint(gw)
        schema.reset(gw)
    # the same load, with the server killed while settlements are being written
    run = _ingest(s, drop, tmp_path / "q1")
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with gw_of(s) as gw:
            n = gw.run_read_text("MATCH (x:Settlement) RETURN count(x) AS n")[0]["n"]
        if n > 500:
            break
        time.sleep(0.5)
    pid = srv.running_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    assert run.wait(timeout=300) == 3  # "Neo4j cannot be reached"
    srv.start(quiet=True)  # the stale pid must not block the start
    rerun = _ingest(s, drop, tmp_path / "q2")
    assert rerun.wait(timeout=900) == 0, rerun.stdout.read() if rerun.stdout else ""
    with gw_of(s) as gw:
        assert backup.fingerprint(gw) == expected
    srv.stop(quiet=True)
    try:
        out = backup.consistency_check(srv, tmp_path / "check")
    finally:
        srv.start(quiet=True)
    assert "inconsistenc" not in out.lower() or "0 inconsistencies" in out.lower()


def test_restore_drill(drill: tuple[LocalServer, Settings], tmp_path: Path) -> None:
    srv, s = drill
    service_db = tmp_path / "service.db"
    import sqlite3

    with sqlite3.connect(service_db) as c:
        c.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, who TEXT)")
        c.execute("INSERT INTO audit (who) VALUES ('sup_sd')")
    with gw_of(s) as gw:
        before = backup.fingerprint(gw)
    assert before["nodes"] > 0
    m = backup.backup(srv, lambda: gw_of(s), tmp_path / "bk", service_db)
    assert m["graph"] == before
    assert set(m["files"]) == {"neo4j.dump", "system.dump", "service.db"}
    # damage: delete a lead's worth of data and the audit row
    with gw_of(s) as gw:
        gw.run_write_text("MATCH (p:Person) WITH p LIMIT 10 DETACH DELETE p")
        assert backup.fingerprint(gw) != before
    with sqlite3.connect(service_db) as c:
        c.execute("DELETE FROM audit")
    t = time.perf_counter()
    r = backup.restore(srv, lambda: gw_of(s), tmp_path / "bk", service_db)
    print(f"restore time {time.perf_counter() - t:.1f}s ({r['seconds']}s inside restore)")
    assert r["graph"] == before
    with sqlite3.connect(service_db) as c:
        assert c.execute("SELECT who FROM audit").fetchall() == [("sup_sd",)]
    # a changed backup file is refused before anything is touched
    (tmp_path / "bk" / "service.db").write_bytes(b"tampered")
    with pytest.raises(backup.BackupError, match=r"service\.db"):
        backup.restore(srv, lambda: gw_of(s), tmp_path / "bk", service_db)
