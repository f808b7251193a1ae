"""``fraudrings ingest DIR --initial`` (Neo4j's offline importer) against the online loader.

Two servers of their own, since the initial load stops and restarts its server: the same
drop goes into one with the online loader and into the other with the initial load, and
the two graphs are compared canonically (every node's labels and typed properties by its
business key, every relationship as type, start key, end key and properties), as are the
reports and the quarantine files. A database that is not empty is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fraudrings.core.settings import Settings
from fraudrings.graph import schema
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.model import NODE_KEYS
from fraudrings.graph.server import LocalServer
from fraudrings.ingest.loader import Loader, LoadReport
from fraudrings.ingest.offline import InitialLoad, InitialLoadError
from fraudrings.synth import generate
from tests.integration.conftest import INSTANCE, ROOT
from tests.integration.test_ingest import BOX_A, CASH_EXPECTED, PH1, write_cash_drop

pytestmark = pytest.mark.integration

# a separate test server (FRAUDRINGS_TEST_INSTANCE) gets its own pair of instances too
_PREFIX = "" if INSTANCE == "test" else f"{INSTANCE}-"
OFFLINE = (f"{_PREFIX}initial-offline", "FRAUDRINGS_INITIAL_BOLT_PORT", 24687, 24474)
ONLINE = (f"{_PREFIX}initial-online", "FRAUDRINGS_ONLINE_BOLT_PORT", 25687, 25474)
VOLATILE = {  # a new random token on every load
    "LeadsGeneration": {"token", "at"},
    "DataGeneration": {"token", "at"},
}


def _instance(settings: Settings, spec: tuple[str, str, int, int]) -> Settings:
    name, env, bolt, http = spec
    bolt = int(os.environ.get(env, bolt))
    http = int(os.environ.get(env.replace("BOLT", "HTTP"), http))
    return settings.model_copy(
        update={
            "neo4j_instance": name,
            "neo4j_bolt_port": bolt,
            "neo4j_http_port": http,
            "neo4j_uri": f"bolt://127.0.0.1:{bolt}",
        }
    )


@pytest.fixture(scope="module")
def servers(settings: Settings) -> Iterator[tuple[Settings, Settings]]:
    off, on = _instance(settings, OFFLINE), _instance(settings, ONLINE)
    started = [LocalServer(s) for s in (off, on)]
    for srv in started:
        srv.start(quiet=True)
    yield off, on
    for srv in started:
        srv.stop(quiet=True)


@pytest.fixture
def edge_drop(mini_drop: Path) -> Path:
    """The mini drop and rows the importer needs care with: a value across lines, lists
    of only separators (stored as empty lists), a count that is not whole."""
    with (mini_drop / "persons.csv").open("a", encoding="utf-8") as fh:
        fh.write('P006,孙*八,1,1980-01-01,,13900000004,"淄博市某村\n2号",390,370300,;,,\n')
    with (mini_drop / "fee_details.csv").open("a", encoding="utf-8") as fh:
        fh.write("F7,S10,P001,2025-04-20 10:00:00,XL01XC001,1.5,2800.00,4200.00,")
        fh.write("D370102000001,RX7,28,;,\n")
    return mini_drop


@pytest.fixture
def cash_drop(tmp_path: Path) -> Path:
    """Cash sales to unknown buyers (one the resale of a box sold with a settlement) and
    a settlement with a cent of rounding (see ``tests/integration/test_ingest.py``)."""
    return write_cash_drop(tmp_path / "cash")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("initial") / "drop300"
    generate(out, persons=300, seed=3)
    return out


def canonical(gw: Gateway) -> tuple[dict[tuple[str, Any], Any], Counter[Any]]:
    """Nodes by (key label, key) -> (labels, {property: (type, value)}); relationships
    as a multiset of (type, start key, end key, properties)."""
    nodes: dict[tuple[str, Any], Any] = {}
    for r in gw.run_read_text("MATCH (n) RETURN labels(n) AS labels, properties(n) AS p"):
        (group,) = [lb for lb in r["labels"] if lb in NODE_KEYS]
        props = {k: (type(v).__name__, v) for k, v in r["p"].items()}
        for k in VOLATILE.get(group, ()):
            props[k] = (props[k][0], "-")
        key = (group, r["p"][NODE_KEYS[group]])
        assert key not in nodes, f"two nodes with the key {key}"
        nodes[key] = (sorted(r["labels"]), props)
    rels: Counter[Any] = Counter(
        (r["t"], (r["ga"], r["ka"]), (r["gb"], r["kb"]), tuple(sorted(r["p"].items())))
        for r in gw.run_read_text(
            "MATCH (a)-[r]->(b) "
            "WITH r, a, b, [l IN labels(a) WHERE l IN $groups][0] AS ga, "
            "     [l IN labels(b) WHERE l IN $groups][0] AS gb "
            "RETURN type(r) AS t, ga, a[$keys[ga]] AS ka, gb, b[$keys[gb]] AS kb, "
            "       properties(r) AS p",
            {"groups": list(NODE_KEYS), "keys": NODE_KEYS},
        )
    )
    return nodes, rels


def differences(a: Any, b: Any) -> list[str]:
    (na, ra), (nb, rb) = a, b
    out = [
        f"node {k}: initial {na.get(k)} / online {nb.get(k)}"
        for k in sorted(na.keys() | nb.keys(), key=str)
        if na.get(k) != nb.get(k)
    ]
    out += [f"relationship {x}: initial {ra[x]} / online {rb[x]}" for x in (ra - rb) + (rb - ra)]
    return out


def counted(report: LoadReport) -> dict[str, dict[str, Any]]:
    keep = ("source", "read", "loaded", "quarantined", "duplicates", "warnings")
    return {stem: {k: f.as_dict()[k] for k in keep} for stem, f in report.files.items()}


def load_both(
    servers: tuple[Settings, Settings], drop: Path, tmp: Path
) -> tuple[LoadReport, LoadReport]:
    off, on = servers
    with Gateway.from_settings(on) as gw:
        schema.reset(gw)
        online = Loader(gw, batch_size=500, quarantine_root=tmp / "q-online", progress=False)
        online_report = online.load(drop)
    initial = InitialLoad(
        server=LocalServer(off),
        gateway=lambda: Gateway.from_settings(off),
        quarantine_root=tmp / "q-initial",
        replace=True,
        progress=False,
    )
    return initial.run(drop), online_report


@pytest.mark.parametrize("which", ["mini", "edge", "cash", "generated"])
def test_initial_load_gives_the_online_graph_report_and_quarantine(
    servers: tuple[Settings, Settings],
    which: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    drop: Path = request.getfixturevalue(
        {"mini": "mini_drop", "edge": "edge_drop", "cash": "cash_drop"}.get(which, which)
    )
    initial_report, online_report = load_both(servers, drop, tmp_path)
    off, on = servers
    with Gateway.from_settings(off) as a, Gateway.from_settings(on) as b:
        ga, gb = canonical(a), canonical(b)
        assert schema.actual(a) == schema.expected()  # constraints and indexes applied
        unregistered = a.run_read_text("MATCH (n:Unregistered) RETURN count(n) AS n")[0]["n"]
        both = a.run_read_text(
            "MATCH (e:Sale {in_fee_details: true, in_trace: true}) RETURN count(e) AS n"
        )[0]["n"]
        twice = a.read("boxes_sold_twice", {"limit": 100})
        buyerless = a.run_read_text(
            "MATCH (e:Sale) WHERE NOT (e)-[:TO]->() RETURN e.drug_trac_codg AS c, "
            "[(e)-[:FROM]->(i) | i.fixmedins_code] AS sellers ORDER BY c"
        )
    diff = differences(ga, gb)
    assert not diff, f"{len(diff)} differences:\n" + "\n".join(diff[:40])
    # not a comparison of two empty graphs: placeholders and reconciled sales are there
    assert len(ga[0]) > {"generated": 30_000, "cash": 25}.get(which, 40)
    assert unregistered > 0 and both > 0
    if which == "edge":
        person = ga[0][("Person", "P006")][1]
        assert person["psn_flags"] == ("list", []) and "\n" in person["addr"][1]
        assert ga[0][("FeeLine", "F7")][1]["drug_trac_codg"] == ("list", [])
        assert ga[0][("FeeLine", "F7")][1]["cnt"] == ("float", 1.5)
        assert initial_report.as_dict()["multiline_fields"] is True
    if which == "cash":  # the cash sales load, with their seller and no buyer, both ways
        keep = ("read", "loaded", "quarantined", "duplicates", "warnings")
        assert {
            stem: {k: f.as_dict()[k] for k in keep} for stem, f in initial_report.files.items()
        } == CASH_EXPECTED
        assert [(r["code"], r["first_setl_id"], r["second_setl_id"]) for r in twice] == [
            (BOX_A, "S101", None)
        ]
        assert len(buyerless) == 3 and buyerless[0] == {"c": BOX_A, "sellers": [PH1]}

    assert counted(initial_report) == counted(online_report)
    assert all(f.balanced for f in initial_report.files.values())
    assert initial_report.rows_read == online_report.rows_read
    qi, qo = tmp_path / "q-initial" / drop.name, tmp_path / "q-online" / drop.name
    names = sorted(p.name for p in qo.iterdir())
    assert names == sorted(p.name for p in qi.iterdir()) and names
    for name in names:
        assert (qi / name).read_text() == (qo / name).read_text(), name
    extra = initial_report.as_dict()
    assert extra["imported"]["nodes"] == len(ga[0]) - 2  # all but the two generation tokens


def test_initial_load_refuses_a_database_that_is_not_empty(
    servers: tuple[Settings, Settings], mini_drop: Path, tmp_path: Path
) -> None:
    off, _ = servers
    with Gateway.from_settings(off) as gw:
        gw.run_write_text("MERGE (:Supplier {entp_code: 'INITIALTEST0000001'})")
        before = gw.run_read_text("MATCH (n) RETURN count(n) AS n")[0]["n"]
    load = InitialLoad(
        server=LocalServer(off),
        gateway=lambda: Gateway.from_settings(off),
        quarantine_root=tmp_path / "q",
        progress=False,
    )
    with pytest.raises(InitialLoadError, match="--yes"):
        load.run(mini_drop)
    env = {
        **os.environ,
        "NEO4J_INSTANCE": off.neo4j_instance,
        "NEO4J_BOLT_PORT": str(off.neo4j_bolt_port),
        "NEO4J_HTTP_PORT": str(off.neo4j_http_port),
        "NEO4J_URI": off.neo4j_uri,
        "NEO4J_PASSWORD": off.neo4j_password.get_secret_value(),
        "NEO4J_HOME": str(off.neo4j_home),
    }
    cmd = [sys.executable, "-m", "fraudrings.cli", "ingest", str(mini_drop), "--initial"]
    cmd += ["--quarantine", str(tmp_path / "q"), "--no-progress"]
    p = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert p.returncode == 2, p.stderr
    assert "holds" in p.stderr and "--yes" in p.stderr
    assert LocalServer(off).running_pid() is not None  # nothing was stopped
    with Gateway.from_settings(off) as gw:
        assert gw.run_read_text("MATCH (n) RETURN count(n) AS n")[0]["n"] == before
        gw.run_write_text("MATCH (s:Supplier {entp_code: 'INITIALTEST0000001'}) DELETE s")
