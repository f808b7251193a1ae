"""The initial load: an empty local database filled by Neo4j's offline importer.

``fraudrings ingest DIR --initial`` gives the graph the online loader (``ingest/loader.py``)
would give, without the server's write path: a streaming Python pass reads, validates,
deduplicates, quarantines and transforms every row exactly as the online loader does
(the same :func:`ingest.loader.accepted_rows`), and turns each write row into the nodes
and relationships its ``queries/ingest_*.cypher`` query would MERGE, as CSV files for
``neo4j-admin database import full``. The server is then stopped, the importer writes the
store, the server starts again and gets ``graph/schema.cypher`` and a new leads generation.

What MERGE does across rows is done here with bounded memory, by spilling to disk:

* **map** (one process per file, in parallel): nodes and relationships that one row owns
  (a registered person, a settlement and its ``SETTLED``/``AT``/... edges, a fee line) go
  straight to CSV; everything several rows share goes to partition files (``marshal``
  batches), by a hash of its key: references to parties (for ``:Unregistered``
  placeholders), each box movement's contributions (by settlement, so the settlement a
  sale belongs to is in the same partition), box-drug pairs;
* **events** (per partition): the contributions of each ``event_id`` in load order (fee
  details, then trace events), merged as the two queries' ``SET`` clauses would; the
  institution and person of a sale from its settlement (``ingest_fee_details``'s ``AT``
  match and ``reconcile_sales``); settlements known only from a reference become
  placeholders;
* **keys** (per partition): placeholders for every party referenced but not registered,
  phones, addresses, terminals, and each box with its sale/return/purchase counts.

The number of partitions grows with the drop, so each partition's sets fit in memory
whatever the drop's size.
"""

from __future__ import annotations

import csv
import functools
import json
import marshal
import os
import resource
import shutil
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from fraudrings.graph import schema
from fraudrings.graph.errors import GraphError
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.model import EVENT_LABELS, NODE_KEYS, label
from fraudrings.graph.server import LocalServer, port_open
from fraudrings.graph.tokens import facts_write
from fraudrings.ingest.loader import (
    FileReport,
    LoadReport,
    accepted_rows,
    drop_files,
    quarantine_dir,
)
from fraudrings.ingest.mapping import PLAIN_LABELS, TABLES, Table
from fraudrings.ingest.validate import LOAD_ORDER

PART_BYTES = 16 << 20  # input bytes per partition: what one partition holds in memory
PLACEHOLDER_GROUPS = ("Person", "Institution", "Practitioner", "Supplier", "Drug", "FeeLine")
PLAIN_GROUPS = PLAIN_LABELS  # nodes that are only their key
# List properties the importer cannot write empty (an empty cell is no property): set
# after the import, with the key of each node that has one.
EMPTY_LISTS = {t.stem: (t.label, t.empty_list) for t in TABLES.values() if t.empty_list}


class InitialLoadError(GraphError):
    """The initial load was refused or could not be completed."""


# --- typed values and the importer's CSV ---------------------------------------------
class Date(str):
    """ISO date text for a ``:date`` column."""


class Time(str):
    """ISO local date-time text for a ``:localdatetime`` column."""


def _flag(v: bool) -> str:
    return "true" if v else "false"


def _array(v: list[str]) -> str:
    return ";".join(v)


# Python type of a property value -> (importer type, conversion to CSV text or None)
_TYPES: dict[type, tuple[str, Callable[[Any], str] | None]] = {
    str: ("string", None),
    int: ("long", None),
    float: ("double", None),
    bool: ("boolean", _flag),
    list: ("string[]", _array),
    Date: ("date", None),
    Time: ("localdatetime", None),
}


@dataclass
class CsvFile:
    kind: str  # "nodes" or a relationship type
    header: str
    path: str


def _spans_lines(path: Path, rows: int) -> bool:
    """Whether a value in the file holds a line break (more line ends than rows, or a
    carriage return): then the importer must parse quoted fields across lines."""
    ends = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            if b"\r" in chunk:
                return True
            ends += chunk.count(b"\n")
    return ends != rows + 1  # + the header


class Sinks:
    """CSV files for the importer: one per kind of node row (labels come from a
    ``:LABEL`` column; the property columns and their types from the row) and one per
    (relationship type, start group, end group)."""

    def __init__(self, directory: Path, name: str) -> None:
        self.dir = directory
        self.name = name
        # signature -> (writer, conversions, [rows written])
        self._nodes: dict[tuple[Any, ...], tuple[Any, list[Any], list[int]]] = {}
        self._rels: dict[tuple[str, str, str], tuple[Any, list[int]]] = {}
        self._files: list[tuple[CsvFile, IO[str], list[int]]] = []
        directory.mkdir(parents=True, exist_ok=True)

    def _open(self, kind: str, header: list[str], quote_all: bool) -> tuple[Any, list[int]]:
        path = self.dir / f"{self.name}-{len(self._files)}.csv"
        fh = path.open("w", encoding="utf-8", newline="")
        rows = [0]
        self._files.append((CsvFile(kind, ",".join(header), str(path)), fh, rows))
        if quote_all:
            w = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        else:
            w = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        w.writerow(header)
        return w, rows

    def node(self, group: str, key: str, labels: str, props: dict[str, Any]) -> None:
        types = tuple(map(type, props.values()))
        sig = (group, tuple(props), types)
        entry = self._nodes.get(sig)
        if entry is None:
            header = [f"{NODE_KEYS[group]}:ID({group})", ":LABEL"]
            conv: list[tuple[int, Callable[[Any], str]]] = []
            for i, (name, t) in enumerate(zip(props, types, strict=True)):
                tname, f = _TYPES[t]
                header.append(f"{name}:{tname}")
                if f is not None:
                    conv.append((i + 2, f))
            writer, rows = self._open("nodes", header, quote_all=False)
            entry = self._nodes[sig] = (writer, conv, rows)
        writer, conv, rows = entry
        row = [key, labels, *props.values()]
        for i, f in conv:
            row[i] = f(row[i])
        writer.writerow(row)
        rows[0] += 1

    def rel(self, rtype: str, sgroup: str, start: str, egroup: str, end: str) -> None:
        k = (rtype, sgroup, egroup)
        entry = self._rels.get(k)
        if entry is None:
            entry = self._rels[k] = self._open(
                rtype, [f":START_ID({sgroup})", f":END_ID({egroup})"], quote_all=True
            )
        entry[0].writerow((start, end))
        entry[1][0] += 1

    def close(self) -> tuple[list[CsvFile], bool]:
        multiline = False
        for f, fh, rows in self._files:
            fh.close()
            multiline = multiline or _spans_lines(Path(f.path), rows[0])
        return [f for f, _, _ in self._files], multiline


class Spill:
    """Records appended to ``n`` partition files in ``marshal`` batches."""

    BUFFERED = 16_384  # records held in memory over all partitions, at most

    def __init__(self, directory: Path, name: str, n: int) -> None:
        self.dir = directory
        self.name = name
        self.n = n
        self.batch = max(64, self.BUFFERED // n)
        self._buf: list[list[Any]] = [[] for _ in range(n)]
        self._fh: dict[int, IO[bytes]] = {}
        directory.mkdir(parents=True, exist_ok=True)

    def part(self, key: str) -> int:
        return zlib.crc32(key.encode()) % self.n

    def add(self, p: int, rec: tuple[Any, ...]) -> None:
        buf = self._buf[p]
        buf.append(rec)
        if len(buf) >= self.batch:
            self._flush(p)

    def _flush(self, p: int) -> None:
        fh = self._fh.get(p)
        if fh is None:
            fh = self._fh[p] = (self.dir / f"{self.name}.{p}").open("wb")
        marshal.dump(self._buf[p], fh)
        self._buf[p] = []

    def close(self) -> None:
        for p in range(self.n):
            if self._buf[p]:
                self._flush(p)
        for fh in self._fh.values():
            fh.close()


def read_spill(directory: Path, name: str, p: int) -> Iterator[Any]:
    path = directory / f"{name}.{p}"
    if not path.is_file():
        return
    with path.open("rb") as fh:
        while True:
            try:
                batch = marshal.load(fh)
            except EOFError:
                return
            yield from batch


# --- map: one file's write rows -> owned nodes/edges, shared keys, event contributions --
class _Emitter:
    """Mirrors ``queries/ingest_<stem>.cypher`` for one write row at a time."""

    CACHE = 200_000  # recently referenced keys not spilled again (bounded)

    def __init__(self, work: Path, stem: str, nparts: int) -> None:
        self.out = Sinks(work / "csv", stem)
        self.keys = Spill(work / "keys", stem, nparts)  # (group, key, registered) / box-drug
        self.events = Spill(work / "events", stem, nparts)  # settlements, refs, contributions
        self._recent: set[tuple[str, str]] = set()
        self._empty_lists: IO[str] | None = None
        self._empty_path = work / "empty-lists" / f"{stem}.txt"

    def close(self) -> tuple[list[CsvFile], bool]:
        self.keys.close()
        self.events.close()
        if self._empty_lists is not None:
            self._empty_lists.close()
        return self.out.close()

    def _no_empty_list(self, stem: str, props: dict[str, Any]) -> None:
        """An empty list (a cell of only separators) leaves the CSV; its node's key is
        kept to set it after the import."""
        group, name = EMPTY_LISTS[stem]
        if props.get(name) == []:
            del props[name]
            if self._empty_lists is None:
                self._empty_path.parent.mkdir(parents=True, exist_ok=True)
                self._empty_lists = self._empty_path.open("w", encoding="utf-8")
            self._empty_lists.write(json.dumps(props[NODE_KEYS[group]]) + "\n")

    # shared keys
    def _fresh(self, group: str, key: str) -> bool:
        """False when this key was referenced a moment ago (already spilled)."""
        k = (group, key)
        if k in self._recent:
            return False
        if len(self._recent) >= self.CACHE:
            self._recent.clear()
        self._recent.add(k)
        return True

    def ref(self, group: str, key: str) -> None:
        if self._fresh(group, key):
            self.keys.add(self.keys.part(key), ("k", group, key, False))

    def registered(self, group: str, key: str) -> None:
        self.keys.add(self.keys.part(key), ("k", group, key, True))

    def box_drug(self, code: str, drug: str) -> None:
        self.ref("BoxDrug", f"{code}\x1f{drug}")

    def setl_ref(self, setl_id: str) -> None:
        """Settlements are resolved with the events (partitioned by settlement)."""
        if self._fresh("Settlement", setl_id):
            self.events.add(self.events.part(setl_id), ("R", setl_id))

    def link(self, rtype: str, sgroup: str, start: str, egroup: str, end: str | None,
             outgoing: bool = True) -> None:  # fmt: skip
        """``MERGE (end:egroup {key: end}) ON CREATE SET end:Unregistered`` and the
        relationship to it (from it, unless ``outgoing``), when the row names one."""
        if end is None:
            return
        if egroup == "Settlement":
            self.setl_ref(end)
        else:
            self.ref(egroup, end)
        if outgoing:
            self.out.rel(rtype, sgroup, start, egroup, end)
        else:
            self.out.rel(rtype, egroup, end, sgroup, start)

    def node(self, group: str, labels: str, props: dict[str, Any]) -> str:
        """A registered node of the row; its key leaves the properties for the ID column."""
        key: str = props.pop(NODE_KEYS[group])
        props["unregistered"] = False
        self.out.node(group, key, labels, props)
        return key

    # one row of a file, as its table in ingest/mapping.py describes it -------------------
    def row(self, t: Table, r: dict[str, Any]) -> str:
        """The row's node with its labels and typed values, registered, and its links."""
        props = r["props"]
        if t.empty_list:
            self._no_empty_list(t.stem, props)
        if t.times:
            _dates(props, r["t"], Date if t.times == "date" else Time)
        if t.time_property and r["time"] is not None:
            props[t.time_property] = Time(r["time"])
        labels = ";".join([t.label, *(lab for flag, lab in t.refining if r[flag])])
        key = self.node(t.label, labels, props)
        if t.label == "Settlement":
            # registered with the events (partitioned by settlement), with the parties a
            # sale takes from it
            self.events.add(self.events.part(key), ("S", key, r["fixmedins_code"], r["psn_no"]))
        else:
            self.registered(t.label, key)
        for ln in t.links:
            self.link(ln.rel, t.label, key, ln.target, r[ln.field], ln.outgoing)
        return key

    def fee_details(self, r: dict[str, Any]) -> None:
        """The fee line (a row like any other), then its scanned boxes' sales and returns."""
        key = self.row(TABLES["fee_details"], r)
        setl, drug, psn = r["setl_id"], r["med_list_codg"], r["psn_no"]
        if r["events"] and psn is not None:
            self.ref("Person", psn)
        p = self.events.part(setl)
        for ev in r["events"]:
            code = ev["code"]
            self.box_drug(code, drug)
            self.out.rel("DISPENSED", "FeeLine", key, "Box", code)
            self.events.add(p, ("F", ev["event_id"], code, ev["sale"], setl, key, r["time"], psn))

    def trace_events(self, r: dict[str, Any]) -> None:
        code, et, setl = r["code"], r["type"], r["setl_id"]
        if r["med_list_codg"] is not None:
            self.ref("Drug", r["med_list_codg"])
            self.box_drug(code, r["med_list_codg"])
        with_setl = setl is not None and et in ("sale", "return")
        if with_setl:
            self.setl_ref(setl)
        for kind, party in ((r["from_kind"], r["from_code"]), (r["to_kind"], r["to_code"])):
            if party is not None:  # an unknown party is no node (see ingest/loader.py)
                self.ref(kind, party)
        eid = r["event_id"]
        p = self.events.part(setl if with_setl else eid)
        rec = (
            "T",
            eid,
            code,
            et,
            r["time"],
            setl,
            r["from_kind"],
            r["from_code"],
            r["to_kind"],
            r["to_code"],
            r["props"],
        )
        self.events.add(p, rec)


def _dates(props: dict[str, Any], t: dict[str, str | None], kind: type[str]) -> None:
    for name, v in t.items():
        if v is not None:
            props[name] = kind(v)


_progress: Any = None  # shared byte counters of the map workers (set by _init_worker)


def _init_worker(progress: Any) -> None:
    global _progress
    _progress = progress


@dataclass
class MapResult:
    stem: str
    report: FileReport
    files: list[CsvFile]
    multiline: bool
    rss_kib: int


def map_file(slot: int, stem: str, path: Path, work: Path, nparts: int, qdir: Path) -> MapResult:
    rep = FileReport(source=path.name)
    em = _Emitter(work, stem, nparts)
    emit: Callable[[dict[str, Any]], Any]
    if stem in TABLES and not hasattr(em, stem):  # a row of a node table, nothing more
        emit = functools.partial(em.row, TABLES[stem])
    else:
        emit = getattr(em, stem)
    on_bytes = None
    if _progress is not None:
        counter = _progress

        def on_bytes(n: int) -> None:
            counter[slot] += n

    t0 = time.perf_counter()
    for row in accepted_rows(stem, path, rep, qdir, on_bytes):
        emit(row)
        rep.loaded += 1
    files, multiline = em.close()
    rep.seconds = time.perf_counter() - t0
    return MapResult(stem, rep, files, multiline, _rss_kib())


# --- events: merge the contributions of each box movement ------------------------------
def _add(e: list[Any], i: int, item: Any) -> None:
    """Add ``item`` to the small set kept as a list (or None) in slot ``i``."""
    have = e[i]
    if have is None:
        e[i] = [item]
    elif item not in have:
        have.append(item)


def _new_event(code: str) -> list[Any]:
    # code, labels, event_type, setl_id, feedetl_sn, fee_time, trace_time, in_fee,
    # in_trace, props, settlements, from, to (small sets as lists, None when empty)
    return [code, None, None, None, None, None, None, False, False, None, None, None, None]


def reduce_events(p: int, work: Path, nparts: int) -> tuple[list[CsvFile], bool, int]:
    src = work / "events"
    setl: dict[str, tuple[str, str]] = {}  # registered settlement -> (institution, person)
    refs: set[str] = set()
    ev: dict[str, list[Any]] = {}
    for stem in LOAD_ORDER:
        for rec in read_spill(src, stem, p):
            tag = rec[0]
            if tag == "S":
                setl[rec[1]] = (rec[2], rec[3])
            elif tag == "R":
                refs.add(rec[1])
            elif tag == "F":  # ingest_fee_details: one sale (or return) of a dispensed box
                _, eid, code, sale, sid, line, t, psn = rec
                e = ev.get(eid)
                if e is None:
                    e = ev[eid] = _new_event(code)
                _add(e, 1, "Sale" if sale else "Return")
                e[2] = "sale" if sale else "return"
                e[3], e[4], e[5], e[7] = sid, line, t, True
                _add(e, 10, sid)
                if psn is not None:
                    _add(e, 12 if sale else 11, ("Person", psn))
                if sid in setl:  # the institution the settlement is AT
                    _add(e, 11 if sale else 12, ("Institution", setl[sid][0]))
            else:  # "T", ingest_trace_events: one movement
                _, eid, code, et, t, sid, fk, fc, tk, tc, props = rec
                e = ev.get(eid)
                if e is None:
                    e = ev[eid] = _new_event(code)
                if e[9] is None:
                    e[9] = props
                else:
                    e[9].update(props)
                _add(e, 1, EVENT_LABELS[et])
                e[2], e[6], e[8] = et, t, True
                if sid is not None:
                    e[3] = sid
                    if et in ("sale", "return"):
                        _add(e, 10, sid)
                if fc is not None:  # an unknown party: no FROM/TO on that side
                    _add(e, 11, (fk, fc))
                if tc is not None:
                    _add(e, 12, (tk, tc))
    out = Sinks(work / "csv", f"events-{p}")
    boxes = Spill(work / "boxes", f"events-{p}", nparts)
    for eid, e in ev.items():
        (code, labels, etype, sid, line, fee_t, trace_t, in_fee, in_trace) = e[:9]
        props = e[9] or {}
        sids, frm, to = e[10] or (), e[11] or [], e[12] or []
        sale, ret = "Sale" in labels, "Return" in labels
        for s in sids:  # reconcile_sales: parties a sale or return lacks, from its settlement
            if s in setl and (sale or ret):
                inst, psn = setl[s]
                if not frm:
                    frm.append(("Institution", inst) if sale else ("Person", psn))
                if not to:
                    to.append(("Person", psn) if sale else ("Institution", inst))
        props["drug_trac_codg"] = code
        props["event_type"] = etype
        for name, v in (("setl_id", sid), ("feedetl_sn", line)):
            if v is not None:
                props[name] = v
        for name, v in (
            ("fee_time", fee_t),
            ("trace_time", trace_t),
            ("event_time", trace_t if in_trace else fee_t),
        ):
            if v is not None:
                props[name] = Time(v)
        if in_fee:
            props["in_fee_details"] = True
        if in_trace:
            props["in_trace"] = True
        out.node("BoxEvent", eid, ";".join(["BoxEvent", *sorted(labels)]), props)
        out.rel("HAS_EVENT", "Box", code, "BoxEvent", eid)
        for s in sids:
            out.rel("FOR_SETTLEMENT", "BoxEvent", eid, "Settlement", s)
        for g, k in frm:
            out.rel("FROM", "BoxEvent", eid, g, k)
        for g, k in to:
            out.rel("TO", "BoxEvent", eid, g, k)
        boxes.add(boxes.part(code), ("b", code, sale, ret, "Purchase" in labels, in_trace))
    for s in refs - setl.keys():
        out.node("Settlement", s, "Settlement;Unregistered", {"unregistered": True})
    boxes.close()
    return (*out.close(), _rss_kib())


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# --- keys: placeholders, shared nodes, boxes ---------------------------------------------
def reduce_keys(p: int, work: Path, nparts: int) -> tuple[list[CsvFile], bool, int]:
    reg: dict[str, set[str]] = {g: set() for g in PLACEHOLDER_GROUPS}
    refs: dict[str, set[str]] = {g: set() for g in (*PLACEHOLDER_GROUPS, *PLAIN_GROUPS)}
    refs["BoxDrug"] = set()
    for stem in LOAD_ORDER:
        for _, group, key, is_reg in read_spill(work / "keys", stem, p):
            (reg if is_reg else refs)[group].add(key)
    boxes: dict[str, list[int]] = {}  # code -> [sales, returns, purchases, in trace]
    for q in range(nparts):
        for _, code, sale, ret, purchase, in_trace in read_spill(work / "boxes", f"events-{q}", p):
            b = boxes.get(code)
            if b is None:
                b = boxes[code] = [0, 0, 0, 0]
            b[0] += sale
            b[1] += ret
            b[2] += purchase
            b[3] |= in_trace
    out = Sinks(work / "csv", f"keys-{p}")
    for g in PLACEHOLDER_GROUPS:
        for k in refs[g] - reg[g]:
            out.node(g, k, f"{g};Unregistered", {"unregistered": True})
    for g in PLAIN_GROUPS:
        for k in refs[g]:
            out.node(g, k, g, {})
    for code, (n_sales, n_returns, n_purchases, in_trace) in boxes.items():
        props = {"n_sales": n_sales, "n_returns": n_returns}
        if in_trace:  # only ingest_trace_events counts purchases
            props["n_purchases"] = n_purchases
        out.node("Box", code, "Box", props)
    for pair in refs["BoxDrug"]:
        code, drug = pair.split("\x1f")
        out.rel("FOR_DRUG", "Box", code, "Drug", drug)
    return (*out.close(), _rss_kib())


def set_empty_lists(gw: Gateway, directory: Path, batch: int = 5000) -> int:
    """``SET n.<name> = []`` on the nodes the map pass listed (see ``EMPTY_LISTS``)."""
    done = 0
    for stem, (group, name) in EMPTY_LISTS.items():
        path = directory / f"{stem}.txt"
        if not path.is_file():
            continue
        query = (
            f"UNWIND $keys AS k MATCH (n:{label(group)} {{{NODE_KEYS[group]}: k}}) "
            f"SET n.{name} = []"
        )
        keys: list[str] = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                keys.append(json.loads(line))
                if len(keys) >= batch:
                    gw.run_write_text(query, {"keys": keys})
                    done, keys = done + len(keys), []
        if keys:
            gw.run_write_text(query, {"keys": keys})
            done += len(keys)
    return done


# --- the whole initial load ---------------------------------------------------------------
def initial_load(
    settings: Any,
    server: LocalServer,
    drop: Path,
    *,
    quarantine_root: Path | None = None,
    replace: bool = False,
    workers: int = 0,
    importer_memory: str = "2g",
    progress: bool = True,
) -> LoadReport:
    """``fraudrings ingest DIR --initial``: the initial load of the local server that
    ``settings`` name; refused (:class:`InitialLoadError`, nothing changed) for a remote
    one or a database that is not empty (unless ``replace``)."""
    if not settings.is_local_uri:
        raise InitialLoadError(
            f"--initial writes the files of the local Neo4j (`fraudrings neo4j start`), not "
            f"{settings.neo4j_uri}; load a remote server with `fraudrings ingest DIR`"
        )
    load = InitialLoad(
        server=server,
        gateway=lambda: Gateway.from_settings(settings),
        quarantine_root=Path(quarantine_root or settings.quarantine_dir),
        replace=replace,
        workers=workers,
        importer_memory=importer_memory,
        database=settings.neo4j_database,
        progress=progress,
    )
    return load.run(Path(drop))


@dataclass
class InitialLoad:
    """Options of one initial load of the local server."""

    server: LocalServer
    gateway: Callable[[], Gateway]
    quarantine_root: Path = Path("data/quarantine")
    replace: bool = False
    workers: int = 0  # 0: default_workers()
    importer_heap: str = "1g"
    importer_memory: str = "2g"
    database: str = "neo4j"
    progress: bool = True
    keep_files: bool = False
    phases: dict[str, float] = field(default_factory=dict)
    rss: dict[str, int] = field(default_factory=dict)  # peak RSS (KiB) of a worker, by phase
    nparts: int = 0

    def _say(self, msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def check_target(self) -> bool:
        """Refuse unless the local database is empty (or ``replace``); return whether the
        server was running before."""
        srv = self.server
        was_running = srv.running_pid() is not None
        if not was_running and port_open(srv.bolt_port):
            raise InitialLoadError(
                f"port {srv.bolt_port} answers but instance {srv.instance!r} is not running; "
                "the initial load writes the files of the local instance it manages "
                "(set NEO4J_INSTANCE and NEO4J_BOLT_PORT to match)"
            )
        store = srv.home / "data" / "databases" / self.database
        if not was_running and (self.replace or not store.is_dir()):
            return False  # nothing to count: no store, or it is replaced anyway
        srv.start(quiet=True)
        with self.gateway() as gw:
            n = gw.run_read_text("MATCH (n) RETURN count(n) AS n")[0]["n"]
        if n and not self.replace:
            raise InitialLoadError(
                f"the database of instance {srv.instance!r} holds {n:,} nodes; --initial "
                "loads an empty database only (load on top with `fraudrings ingest DIR`, or "
                "pass --yes to replace everything in it, leads included)"
            )
        return was_running

    def run(self, drop: Path) -> LoadReport:
        drop = Path(drop)
        paths = {k: v for k, v in drop_files(drop).items() if v is not None}
        t0 = time.perf_counter()
        was_running = self.check_target()
        self.phases["check"] = time.perf_counter() - t0
        qdir = quarantine_dir(self.quarantine_root, drop)
        report = LoadReport(drop=str(drop), quarantine_dir=str(qdir))
        work = self.server.home / "initial-load"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        # The database is empty (or to be replaced): it stops while the files are prepared.
        stopper = threading.Thread(target=self.server.stop, kwargs={"quiet": True})
        stopper.start()
        try:
            try:
                files, multiline, rss = self._prepare(paths, work, qdir, report)
            except BaseException:
                stopper.join()
                if was_running:  # nothing was written: the server comes back as it was
                    self.server.start(quiet=True)
                raise
            stopper.join()
            t1 = time.perf_counter()
            self.phases["prepare"] = t1 - t0 - self.phases["check"]
            imp = self.server.import_full(
                _import_args(files, multiline, work, self.database, self.importer_memory),
                heap=self.importer_heap,
                log=work / "import.log",
                progress=self.progress,
            )
            t2 = time.perf_counter()
            self.phases["import"] = t2 - t1
            self.server.start(quiet=True)
            t3 = time.perf_counter()
            self.phases["start"] = t3 - t2
            # the database was made by the importer just now: nothing read it before
            with self.gateway() as gw, facts_write(gw, announce=False):
                schema.apply(gw)  # constraints and indexes, built on the loaded graph
                set_empty_lists(gw, work / "empty-lists")
            self.phases["schema"] = time.perf_counter() - t3
        finally:
            if not self.keep_files:
                shutil.rmtree(work, ignore_errors=True)
        report.seconds = time.perf_counter() - t0
        report.extra = {
            "method": "initial (neo4j-admin database import full)",
            "phases_seconds": {k: round(v, 2) for k, v in self.phases.items()},
            "workers": self.workers,
            "partitions": self.nparts,
            "prepare_peak_rss_mib": round(rss / 1024, 1),
            "prepare_worker_peak_rss_mib": {k: round(v / 1024, 1) for k, v in self.rss.items()},
            "importer_peak_rss_mib": round(imp.peak_rss_kib / 1024, 1),
            "imported": imp.summary,
            "multiline_fields": multiline,
        }
        return report

    def _prepare(
        self, paths: dict[str, Path], work: Path, qdir: Path, report: LoadReport
    ) -> tuple[list[CsvFile], bool, int]:
        import multiprocessing as mp

        total = sum(p.stat().st_size for p in paths.values())
        nparts = self.nparts = max(1, -(-total // PART_BYTES))
        ctx = mp.get_context("fork")
        progress = ctx.Array("q", len(LOAD_ORDER), lock=False)
        bar = self._bar(total)
        files: list[CsvFile] = []
        multiline = False
        self.workers = self.workers or default_workers()
        with ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(progress,),
        ) as pool:
            # biggest files first, so the two workers finish together
            order = sorted(paths, key=lambda s: -paths[s].stat().st_size)
            maps = [
                pool.submit(map_file, LOAD_ORDER.index(s), s, paths[s], work, nparts, qdir)
                for s in order
            ]
            results = {r.stem: r for r in self._wait(maps, bar, progress)}
            self.rss["map"] = max(r.rss_kib for r in results.values())
            for stem in LOAD_ORDER:
                if stem in results:
                    r = results[stem]
                    report.files[stem] = r.report
                    files += r.files
                    multiline = multiline or r.multiline
            for phase, reduce in (("events", reduce_events), ("keys", reduce_keys)):
                if bar is not None:
                    bar.set_description(phase)
                jobs = [pool.submit(reduce, p, work, nparts) for p in range(nparts)]
                for fs, ml, rss in self._wait(jobs, bar):
                    files += fs
                    multiline = multiline or ml
                    self.rss[phase] = max(self.rss.get(phase, 0), rss)
        if bar is not None:
            bar.close()
        rss = max(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        )
        return files, multiline, rss

    def _bar(self, total: int) -> Any:
        if not (self.progress and sys.stderr.isatty()):
            return None
        from tqdm import tqdm

        return tqdm(total=total, unit="B", unit_scale=True, desc="read", file=sys.stderr)

    def _wait(self, futures: list[Future[Any]], bar: Any, progress: Any = None) -> list[Any]:
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            if bar is not None and progress is not None:
                bar.n = min(bar.total, sum(progress))
                bar.refresh()
        return [f.result() for f in futures]


def _import_args(
    files: list[CsvFile], multiline: bool, work: Path, database: str, memory: str
) -> list[str]:
    """``--nodes``/``--relationships`` arguments, one per (kind, header): files of the
    same header are one input (their repeated header lines skipped)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for f in files:
        groups.setdefault((f.kind, f.header), []).append(f.path)
    args = [
        database,
        "--overwrite-destination=true",
        f"--max-off-heap-memory={memory}",
        "--id-type=string",
        "--array-delimiter=;",
        "--auto-skip-subsequent-headers=true",
        f"--multiline-fields={'true' if multiline else 'false'}",
        f"--report-file={work / 'import.report'}",
    ]
    for (kind, _), paths in sorted(groups.items()):
        opt = "--nodes" if kind == "nodes" else f"--relationships={kind}"
        args.append(f"{opt}={','.join(paths)}")
    return args


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 4))
