"""The pre-settlement check's read model: the facts it needs, copied out of Neo4j into
one SQLite file, so that a check at the counter costs a few index lookups in the API
worker instead of a round trip through the driver and a Cypher query.

What it holds is exactly what ``queries/check_settlements.cypher`` reads, computed by
the same rules:

- ``sold_box``: each box whose last sale or return is a sale (one row per box; the rule
  runs in Cypher, ``checkfacts_sold_boxes``);
- ``visit``: each settlement (not a refund) at a physical place with coordinates, by
  person and start time (the last visit before a pending settlement);
- ``line``: each dispensed line of a drug with a daily dose, by person, drug and time
  (the supply still left from the last one);
- ``person``: each person's insurance region (a counter outside it is told less);
- in ``meta``: the deaths, the institutions' places and the drugs' daily doses (small),
  and the *data generation* token the copy was made under.

Open-lead membership is not in the file: it changes with every workflow step, so the
API reads it on its own (``checkfacts_open_leads``) whenever the leads' token changes.

Freshness. Every ingest renews the data token before it writes, marked *writing*, and
again when it ends, failed or not (``bump_data``); emptying the graph renews it too. A
build reads the token before it starts and again at the end and is thrown away if they
differ or an ingest is writing, so a file is always one consistent copy of the graph
under its token, never of a graph half loaded. The API uses a file
only while its token is the graph's (``api/checkfacts.py``); otherwise the check asks
Neo4j, as it always did. Writes made to the graph outside this project's code do not
renew the token and are not seen here until the next renewal.

``python -m graph.checkfacts OUT`` builds one (the API starts that itself, under a lock).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import math
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from fraudrings.graph.gateway import Gateway, Row

log = logging.getLogger(__name__)

FORMAT = "2"  # the file's layout; a reader refuses any other
EPOCH = datetime(1970, 1, 1)
US = timedelta(microseconds=1)
MMAP_BYTES = 8 << 30  # address space only; pages come from the OS cache
BOX_PAGE = 20_000  # boxes per page of the export
NULL_TIME = 2**62  # a null time: Cypher sorts it first in DESC order, and so must we
EARTH_RADIUS_M = 6378140.0  # the radius Neo4j's point.distance uses for WGS-84

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sold_box (
  code TEXT PRIMARY KEY, sold_at INTEGER NOT NULL, setl_id TEXT, seller TEXT
) WITHOUT ROWID;
CREATE TABLE visit (
  psn_no TEXT NOT NULL, begntime INTEGER NOT NULL, setl_id TEXT, inst TEXT NOT NULL,
  left_at INTEGER NOT NULL
);
CREATE TABLE person (psn_no TEXT PRIMARY KEY, insu_admdvs TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE line (
  psn_no TEXT NOT NULL, drug TEXT NOT NULL, begntime INTEGER NOT NULL,
  fee_ocur_time INTEGER NOT NULL, cnt NOT NULL, setl_id TEXT  -- cnt as the graph has it
);
"""
INDEXES = """
CREATE INDEX visit_by_person ON visit (psn_no, begntime);
CREATE INDEX line_by_person_drug ON line (psn_no, drug, fee_ocur_time);
"""


class StaleBuild(RuntimeError):
    """The graph's data changed while the copy was made; the copy is thrown away."""


def to_us(t: datetime | None) -> int:
    return NULL_TIME if t is None else (t.replace(tzinfo=None) - EPOCH) // US


def from_us(us: int) -> datetime | None:
    return None if us >= NULL_TIME else EPOCH + us * US


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Neo4j's ``point.distance`` between two WGS-84 points (haversine), in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return EARTH_RADIUS_M * 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a)) / 1000.0


# -- tokens ----------------------------------------------------------------------------
class Tokens(NamedTuple):
    data: str | None  # the data generation (None: never renewed yet)
    leads: str | None  # the leads generation
    writing: bool  # an ingest is writing now: no read model is built or used


def bump_data(gw: Gateway, *, writing: bool = False) -> None:
    """A new data generation (queries/data_generation_bump.cypher): with ``writing`` before
    a write to the graph's facts starts, without it after it ends (failed or not); read
    models under the old token go out of use."""
    gw.write("data_generation_bump", {"writing": writing})


def tokens(gw: Gateway, timeout: float | None = None) -> Tokens:
    """The graph's generation tokens now."""
    rows = gw.read("check_generations", {}, timeout=timeout)
    if not rows:
        return Tokens(None, None, False)
    return Tokens(rows[0]["data"], rows[0]["leads"], bool(rows[0]["writing"]))


# -- build -----------------------------------------------------------------------------
Progress = Callable[[str, int], None]


def _counted(rows: Iterable[tuple[Any, ...]], stage: str, progress: Progress | None) -> Iterator:
    n = 0
    for n, row in enumerate(rows, 1):
        if progress is not None and n % 200_000 == 0:
            progress(stage, n)
        yield row
    if progress is not None:
        progress(stage, n)


def build(gw: Gateway, path: Path, *, progress: Progress | None = None) -> dict[str, Any]:
    """Copy the check's facts from the graph into ``path`` (replaced atomically); raise
    :class:`StaleBuild` when the data token changed meanwhile. Returns counts."""
    t0 = time.perf_counter()
    start = gw.write_auto("data_generation_ensure")[0]
    token = start["token"]
    if start["writing"]:
        raise StaleBuild("an ingest is writing to the graph; built after it ends")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.building-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    try:
        con = sqlite3.connect(tmp)
        con.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
        )
        con.executescript(SCHEMA)
        small = gw.read("checkfacts_small")[0]
        meta = {
            "format": FORMAT,
            "token": token,
            "deaths": json.dumps({p: d.isoformat() for p, d in small["deaths"] if d}),
            "places": json.dumps({c: [lat, lon, bool(on)] for c, lat, lon, on in small["places"]}),
            "doses": json.dumps({d: float(u) for d, u in small["doses"]}),
        }
        drugs = {"drugs": [d for d, _ in small["doses"]]}

        def nt(us: int | None) -> int:
            return NULL_TIME if us is None else us

        def boxes() -> Iterator[tuple[Any, ...]]:
            after = ""
            while True:
                page = gw.read("checkfacts_sold_boxes", {"after": after, "n": BOX_PAGE})[0]
                for code, at, setl, seller in page["rows"]:
                    yield code, nt(at), setl, seller
                if page["last_code"] is None:
                    return
                after = page["last_code"]

        def persons() -> Iterator[tuple[Any, ...]]:
            after = ""
            while True:
                page = gw.read("checkfacts_persons", {"after": after, "n": BOX_PAGE})[0]
                yield from (tuple(r) for r in page["rows"])
                if page["last_code"] is None:
                    return
                after = page["last_code"]

        def visits() -> Iterator[tuple[Any, ...]]:
            for psn, items in gw.stream("checkfacts_visits"):
                for begn, setl, inst, left in items:
                    yield psn, begn, setl, inst, left

        def lines() -> Iterator[tuple[Any, ...]]:
            for psn, items in gw.stream("checkfacts_lines", drugs):
                for drug, begn, t, cnt, setl in items:
                    yield psn, drug, begn, nt(t), cnt, setl

        tables = (
            ("sold_box", "INSERT OR REPLACE INTO sold_box VALUES (?, ?, ?, ?)", boxes),
            ("person", "INSERT OR REPLACE INTO person VALUES (?, ?)", persons),
            ("visit", "INSERT INTO visit VALUES (?, ?, ?, ?, ?)", visits),
            ("line", "INSERT INTO line VALUES (?, ?, ?, ?, ?, ?)", lines),
        )
        for table, sql, rows in tables:
            con.executemany(sql, _counted(rows(), table, progress))
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if progress is not None:
            progress("indexes", 0)
        con.executescript(INDEXES)
        con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        con.commit()
        con.execute("ANALYZE")
        con.close()
        after = tokens(gw)
        if after.data != token or after.writing:
            raise StaleBuild(f"the graph's data changed during the build ({token} -> {after.data})")
        # on disk before it is used: an API worker's own fsyncs (its audit log) must not
        # wait behind the writeback of a freshly written file of hundreds of MB
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync(path.parent)  # the rename itself
    finally:
        tmp.unlink(missing_ok=True)
    counts["deaths"] = len(small["deaths"])
    return {"token": token, "rows": counts, "seconds": round(time.perf_counter() - t0, 1)}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BuildLock:
    """An exclusive, non-blocking lock beside the file: one build at a time, whichever
    worker (or operator) starts it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(f"{path}.lock")
        self._fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None

    def busy(self) -> bool:
        """Whether someone holds the lock now (a build is running)."""
        if self.acquire():
            self.release()
            return False
        return True


# -- read ------------------------------------------------------------------------------
class CheckFacts:
    """One read model file, open read-only; answers a check in the shape of a row of
    ``check_settlements.cypher`` (so the warnings come from the same code)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # immutable: the file is never changed in place (a new build replaces it), so
        # SQLite may skip its locks
        self._con = sqlite3.connect(
            f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self._lock = threading.Lock()
        try:
            # read through a memory map: a lookup that finds its pages in the OS cache
            # makes no system call (the workers share those pages)
            self._con.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error:
            self._con.close()
            raise
        if meta.get("format") != FORMAT:
            self._con.close()
            raise ValueError(f"{self.path}: not a check read model of format {FORMAT}")
        self.token: str = meta["token"]
        self.deaths = {p: date.fromisoformat(d) for p, d in json.loads(meta["deaths"]).items()}
        self.places: dict[str, tuple[float | None, float | None, bool]] = {
            c: (v[0], v[1], v[2]) for c, v in json.loads(meta["places"]).items()
        }
        self.doses: dict[str, float] = json.loads(meta["doses"])

    @staticmethod
    def token_of(path: Path) -> str | None:
        """The token a file on disk was built under (None: no readable file)."""
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error:
            return None
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'token'").fetchone()
            return row[0] if row else None
        except sqlite3.Error:
            return None
        finally:
            con.close()

    def close(self) -> None:
        self._con.close()

    def lookup(self, c: Mapping[str, Any], open_leads: Mapping[str, list[Row]]) -> Row:
        """The check of ``c`` (the Cypher query's parameters: psn_no, fixmedins_code,
        setl_time as ISO text, codes, drugs) against this copy and ``open_leads``."""
        psn = c["psn_no"]
        now = datetime.fromisoformat(c["setl_time"])
        now_us = to_us(now)
        here = self.places.get(c["fixmedins_code"])
        with self._lock:
            q = self._con.execute
            sold = []
            codes = list(dict.fromkeys(c["codes"]))
            if codes:
                marks = ",".join("?" * len(codes))
                for code, at, setl, seller in q(
                    f"SELECT code, sold_at, setl_id, seller FROM sold_box WHERE code IN ({marks})",
                    codes,
                ):
                    sold.append(
                        {"code": code, "sold_at": from_us(at), "setl_id": setl, "seller": seller}
                    )
            supply = []
            for drug in dict.fromkeys(c["drugs"]):
                units = self.doses.get(drug)
                if not units:
                    continue
                hit = q(
                    "SELECT fee_ocur_time, cnt, setl_id FROM line WHERE psn_no = ? AND drug = ?"
                    " AND begntime < ? ORDER BY fee_ocur_time DESC LIMIT 1",
                    (psn, drug, now_us),
                ).fetchone()
                if hit is None or hit[0] >= NULL_TIME:
                    continue
                last = from_us(hit[0])
                assert last is not None
                until = last + timedelta(seconds=int(86400.0 * hit[1] / units))
                if until > now:
                    supply.append(
                        {
                            "drug": drug,
                            "last_time": last,
                            "cnt": hit[1],
                            "supply_until": until,
                            "setl_id": hit[2],
                        }
                    )
            visit = None
            if here is not None and here[0] is not None and not here[2]:
                visit = q(
                    "SELECT setl_id, inst, left_at FROM visit WHERE psn_no = ? AND begntime <= ?"
                    " ORDER BY begntime DESC LIMIT 1",
                    (psn, now_us),
                ).fetchone()
            region = q("SELECT insu_admdvs FROM person WHERE psn_no = ?", (psn,)).fetchone()
        last_visit = None
        if visit is not None and here is not None:
            there = self.places[visit[1]]
            assert here[0] is not None and here[1] is not None
            assert there[0] is not None and there[1] is not None
            last_visit = {
                "setl_id": visit[0],
                "inst": visit[1],
                "left_at": from_us(visit[2]),
                "km": distance_km(there[0], there[1], here[0], here[1]),
            }
        return {
            "death_date": self.deaths.get(psn),
            "insu_admdvs": region[0] if region else None,
            "known_institution": here is not None,
            "leads": list(open_leads.get(psn, ())),
            "sold_boxes": sold,
            "in_supply": supply,
            "last_visit": last_visit,
        }


def open_leads(gw: Gateway, timeout: float | None = None) -> dict[str, list[Row]]:
    """psn_no -> the open leads the person is a member of (each lead once)."""
    out: dict[str, list[Row]] = {}
    for r in gw.read("checkfacts_open_leads", {}, timeout=timeout):
        out.setdefault(r["psn_no"], []).append(
            {"lead_id": r["lead_id"], "typology": r["typology"], "status": r["status"]}
        )
    return out


# -- the builder process the API starts --------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Build the read model at OUT unless another build holds the lock. Exit status: 0
    built (or someone else is building), 3 the graph changed meanwhile, 1 an error."""
    from fraudrings.core.settings import get_settings

    ap = argparse.ArgumentParser(prog="python -m graph.checkfacts", description=__doc__)
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s check-facts %(message)s")
    lock = BuildLock(args.out)
    if not lock.acquire():
        log.info("another build of %s is running", args.out)
        return 0
    try:
        with Gateway.from_settings(get_settings()) as gw:
            report = build(
                gw, args.out, progress=lambda stage, n: log.info("%s: %d rows", stage, n)
            )
    except StaleBuild as exc:
        log.info("%s", exc)
        return 3
    except Exception:
        log.exception("building %s failed", args.out)
        return 1
    finally:
        lock.release()
    log.info("built %s: %s", args.out, json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
