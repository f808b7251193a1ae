"""Load a drop into Neo4j: read, validate, deduplicate, quarantine, write in batches.

The main thread reads and validates; one writer thread sends ``UNWIND $rows`` batches
through the gateway, so parsing and the database overlap. Every write is a ``MERGE`` on
the contract's keys, so loading the same drop twice changes nothing and an interrupted
load can simply be run again.

A party left empty in ``trace_events.csv`` (a cash ``sale`` whose buyer was not recorded,
any movement with an empty ``from_code`` or ``to_code``) is unknown, and the event gets
no ``FROM``/``TO`` relationship on that side, nor a ``from_code``/``to_code`` property. It
keeps its box, type, time and the party that is known (the selling institution), so a
box walk still sees a sale of that box at that institution, and a box sold again for
cash with no return between is still a resale. There is deliberately no shared
"unknown buyer" node: one would join every cash sale of every box into one fake person,
a false link for community detection and a false buyer in leads. A per-event stand-in
would be a person node that is nobody, with the same risk in every person count. Where
the event names its settlement, the settlement's person fills the side after the load
(``reconcile_sales``), as for a sale known only from its settlement.

Rows that load with a warning (``rounding_cent``: money a cent below zero, see
``ingest/validate.py``) are counted by reason in the report, apart from quarantine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraudrings.graph import schema
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.tokens import facts_write
from fraudrings.ingest import readers
from fraudrings.ingest.quarantine import Quarantine, SeenKeys
from fraudrings.ingest.validate import (
    BAD_CODE,
    DUPLICATE_KEY,
    ENTP_CODE,
    INSTITUTION_CODE,
    LOAD_ORDER,
    SPECS,
    FileSpec,
    Problem,
    reason_of,
    validate,
    warnings_of,
)

log = logging.getLogger(__name__)

# Which parties each movement of a box may have (by code format).
EVENT_PARTIES: dict[str, tuple[set[str], set[str]]] = {
    "purchase": ({"Supplier"}, {"Institution"}),
    "sale": ({"Institution"}, {"Person"}),
    "return": ({"Person"}, {"Institution"}),
    "supplier_return": ({"Institution"}, {"Supplier"}),
    "transfer": ({"Institution"}, {"Institution"}),
    "recall": ({"Institution", "Supplier"}, {"Supplier", "Institution"}),
}


def party_kind(code: str) -> str:
    if INSTITUTION_CODE.fullmatch(code):
        return "Institution"
    if ENTP_CODE.fullmatch(code) and not code.isdigit():
        return "Supplier"
    return "Person"


def event_id(code: str, kind: str, setl_id: str | None, *rest: str | None) -> str:
    """Stable id of one movement of one box. A sale or return tied to a settlement is
    identified by (code, type, settlement) whichever file it comes from; any other by
    (code, type, time, from, to), an unknown party counting as empty text."""
    parts = [code, kind, setl_id] if setl_id else [code, kind, *(r or "" for r in rest)]
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:24]


@dataclass
class FileReport:
    read: int = 0
    loaded: int = 0
    quarantined: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    source: str = ""
    seconds: float = 0.0
    # rows loaded with a warning, by reason (a row counts once per reason); part of loaded
    warnings: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": dict(sorted(self.quarantined.items())),
            "duplicates": self.duplicates,
            "warnings": dict(sorted(self.warnings.items())),
            "seconds": round(self.seconds, 3),
        }

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + sum(self.quarantined.values()) + self.duplicates


@dataclass
class LoadReport:
    drop: str
    files: dict[str, FileReport] = field(default_factory=dict)
    seconds: float = 0.0
    quarantine_dir: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # what a load method adds

    @property
    def rows_read(self) -> int:
        return sum(f.read for f in self.files.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "drop": self.drop,
            "files": {k: v.as_dict() for k, v in self.files.items()},
            "rows_read": self.rows_read,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_read / self.seconds) if self.seconds else None,
            "quarantine_dir": self.quarantine_dir,
            **self.extra,
        }

    def table(self) -> str:
        head = (
            f"{'file':<14}{'read':>10}{'loaded':>10}{'quarant.':>10}{'dupl.':>8}{'warn.':>8}"
            "  reasons"
        )
        lines = [head, "-" * len(head)]
        for stem, f in self.files.items():
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(f.quarantined.items()))
            warned = ", ".join(f"{k} {v}" for k, v in sorted(f.warnings.items()))
            if warned:
                reasons = f"{reasons}; warnings: {warned}" if reasons else f"warnings: {warned}"
            lines.append(
                f"{stem:<14}{f.read:>10}{f.loaded:>10}{sum(f.quarantined.values()):>10}"
                f"{f.duplicates:>8}{sum(f.warnings.values()):>8}  {reasons}"
            )
        rate = f"{self.rows_read / self.seconds:,.0f} rows/s" if self.seconds else ""
        lines.append(f"{self.rows_read:,} rows in {self.seconds:.1f}s {rate}")
        if any(sum(f.quarantined.values()) for f in self.files.values()):
            lines.append(f"quarantined rows: {self.quarantine_dir}")
        if any(sum(f.warnings.values()) for f in self.files.values()):
            n = sum(sum(f.warnings.values()) for f in self.files.values())
            lines.append(f"rows loaded with a warning: {n:,} (kept as given, counted above)")
        return "\n".join(lines)


def _props(clean: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """Non-temporal properties. Dates and times travel separately as ISO text (see _times):
    the driver packs a Python datetime ~50x slower than a string, and the server parses
    the text with date()/localdatetime() for free."""
    props = {
        k: v
        for k, v in clean.items()
        if k not in drop and not k.startswith("_") and not isinstance(v, dt.date)
    }
    for k, v in (clean.get("_extra") or {}).items():
        props[f"x_{k}"] = v
    return props


def _iso(v: Any) -> str | None:
    return v.isoformat() if isinstance(v, dt.date) else None


def _times(clean: dict[str, Any], *names: str) -> dict[str, str | None]:
    return {n: _iso(clean.get(n)) for n in names}


# --- per-file transforms: validated row -> write row (or problems) -------------------
def _t_persons(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "psn_no": c["psn_no"],
        "tel": c.get("tel"),
        "addr": " ".join(c["addr"].split()) if c.get("addr") else None,
        "t": _times(c, "brdy", "death_date"),
        "props": _props(c),
    }


def _t_institutions(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "fixmedins_code": c["fixmedins_code"],
        "hospital": c.get("fixmedins_type") == "1" or c["fixmedins_code"].startswith("H"),
        "pharmacy": c.get("fixmedins_type") == "2" or c["fixmedins_code"].startswith("P"),
        "online": c.get("online") == "1",
        "props": _props(c),
    }


def _t_practitioners(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "prac_code": c["prac_code"],
        "fixmedins_code": c.get("fixmedins_code"),
        "props": _props(c),
    }


def _t_simple(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def t(c: dict[str, Any]) -> dict[str, Any]:
        return {key: c[key], "props": _props(c)}

    return t


def _t_settlements(c: dict[str, Any]) -> dict[str, Any]:
    return {
        "setl_id": c["setl_id"],
        "psn_no": c["psn_no"],
        "fixmedins_code": c["fixmedins_code"],
        "dr_codg": c.get("dr_codg"),
        "terminal_id": c.get("terminal_id"),
        "refd_setl_id": c.get("refd_setl_id"),
        "inpatient": c.get("med_type") == "21",
        "refund": c.get("refd_setl_flag") == "1",
        "t": _times(c, "begntime", "endtime", "setl_time"),
        "props": _props(c),
    }


def _t_fee_details(c: dict[str, Any]) -> dict[str, Any]:
    refund = bool(c.get("init_feedetl_sn"))
    kind = "return" if refund else "sale"
    codes = c.get("drug_trac_codg") or []
    return {
        "feedetl_sn": c["feedetl_sn"],
        "setl_id": c["setl_id"],
        "psn_no": c.get("psn_no"),
        "med_list_codg": c["med_list_codg"],
        "bilg_dr_codg": c.get("bilg_dr_codg"),
        "init_feedetl_sn": c.get("init_feedetl_sn"),
        "time": _iso(c.get("fee_ocur_time")),
        "events": [
            {"event_id": event_id(code, kind, c["setl_id"]), "code": code, "sale": not refund}
            for code in dict.fromkeys(codes)
        ],
        "props": _props(c),
    }


def _t_trace_events(c: dict[str, Any]) -> dict[str, Any] | list[Problem]:
    et = c["event_type"]
    fc, tc = c.get("from_code"), c.get("to_code")  # None: the party is unknown
    fk = party_kind(fc) if fc is not None else None
    tk = party_kind(tc) if tc is not None else None
    allowed_from, allowed_to = EVENT_PARTIES[et]
    probs: list[Problem] = []
    if fk is not None and fk not in allowed_from:
        probs.append((BAD_CODE, f"from_code {fc!r} ({fk}) cannot start a {et}"))
    if tk is not None and tk not in allowed_to:
        probs.append((BAD_CODE, f"to_code {tc!r} ({tk}) cannot receive a {et}"))
    if probs:
        return probs
    setl = c.get("setl_id") if et in ("sale", "return") else None
    t = c["event_time"]
    return {
        "event_id": event_id(c["drug_trac_codg"], et, setl, t.isoformat(), fc, tc),
        "code": c["drug_trac_codg"],
        "type": et,
        "time": t.isoformat(),
        "setl_id": c.get("setl_id"),
        "med_list_codg": c.get("med_list_codg"),
        "from_code": fc,
        "from_kind": fk,
        "to_code": tc,
        "to_kind": tk,
        "props": _props(c, drop=("drug_trac_codg", "event_type", "event_time", "setl_id")),
    }


TRANSFORMS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "persons": _t_persons,
    "institutions": _t_institutions,
    "practitioners": _t_practitioners,
    "suppliers": _t_simple("entp_code"),
    "drugs": _t_simple("med_list_codg"),
    "settlements": _t_settlements,
    "fee_details": _t_fee_details,
    "trace_events": _t_trace_events,
}


class _Writer(threading.Thread):
    """Sends batches to Neo4j while the main thread keeps parsing."""

    def __init__(self, gw: Gateway) -> None:
        super().__init__(name="fraudrings-writer", daemon=True)
        self.gw = gw
        self.q: queue.Queue[tuple[str, list[dict[str, Any]], Callable[[int], None]] | None] = (
            queue.Queue(maxsize=2)
        )
        self.error: BaseException | None = None

    def run(self) -> None:
        while (item := self.q.get()) is not None:
            if self.error is not None:
                continue  # drain after a failure
            name, rows, done = item
            try:
                self.gw.write_batch(name, rows)
                done(len(rows))
            except BaseException as exc:  # re-raised in the main thread
                self.error = exc

    def put(self, name: str, rows: list[dict[str, Any]], done: Callable[[int], None]) -> None:
        if self.error is not None:
            raise self.error
        self.q.put((name, rows, done))

    def finish(self) -> None:
        self.q.put(None)
        self.join()
        if self.error is not None:
            raise self.error


def content_key(spec: FileSpec, raw: dict[str, str]) -> tuple[bytes, bytes]:
    values = [raw.get(k, "") for k in sorted(raw)]
    content = SeenKeys.digest(*values)
    if not spec.key:
        return content, content
    return SeenKeys.digest(*(raw.get(k, "").strip() for k in spec.key)), content


def load_drop(
    gw: Gateway,
    settings: Any,
    drop: Path,
    *,
    batch_size: int = 0,
    quarantine_root: Path | None = None,
    progress: bool = True,
) -> LoadReport:
    """``fraudrings ingest DIR``: load a drop online, options defaulting to ``settings``."""
    loader = Loader(
        gw,
        batch_size=batch_size or settings.batch_size,
        quarantine_root=Path(quarantine_root or settings.quarantine_dir),
        progress=progress,
    )
    return loader.load(Path(drop))


class Loader:
    def __init__(
        self,
        gw: Gateway,
        *,
        batch_size: int = 5000,
        quarantine_root: Path = Path("data/quarantine"),
        progress: bool = True,
        apply_schema: bool = True,
    ) -> None:
        self.gw = gw
        self.batch_size = batch_size
        self.quarantine_root = quarantine_root
        self.progress = progress and sys.stderr.isatty()
        self.apply_schema = apply_schema

    def load(self, drop: Path, stems: tuple[str, ...] = LOAD_ORDER) -> LoadReport:
        drop = Path(drop)
        paths = drop_files(drop, stems)
        self.gw.verify()
        if self.apply_schema:
            schema.apply(self.gw)
        qdir = quarantine_dir(self.quarantine_root, drop)
        report = LoadReport(drop=str(drop), quarantine_dir=str(qdir))
        t0 = time.perf_counter()
        # the facts are about to change: the check's read model of them goes out of use,
        # and none is built or used until the load ends (however it ends); then lead
        # members may look different (the API's kept answers go) and the read model is
        # built again for the facts as they now are
        with facts_write(self.gw):
            for stem in stems:
                path = paths[stem]
                if path is not None:
                    report.files[stem] = self._load_file(stem, path, qdir)
            if "fee_details" in report.files or "trace_events" in report.files:
                self.gw.write_auto("reconcile_sales")
        report.seconds = time.perf_counter() - t0
        return report

    def _bar(self, stem: str, path: Path) -> Any:
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"{stem:<13}",
            file=sys.stderr,
            leave=True,
        )

    def _load_file(self, stem: str, path: Path, qdir: Path) -> FileReport:
        query = f"ingest_{stem}"
        rep = FileReport(source=path.name)
        writer = _Writer(self.gw)
        writer.start()
        bar = self._bar(stem, path)
        t0 = time.perf_counter()

        def done(n: int) -> None:
            rep.loaded += n

        batch: list[dict[str, Any]] = []
        try:
            for out in accepted_rows(stem, path, rep, qdir, bar.update if bar else None):
                batch.append(out)
                if len(batch) >= self.batch_size:
                    writer.put(query, batch, done)
                    batch = []
            if batch:
                writer.put(query, batch, done)
            writer.finish()
        finally:
            if writer.is_alive():
                writer.q.put(None)
            if bar is not None:
                bar.close()
        rep.seconds = time.perf_counter() - t0
        return rep


def drop_files(drop: Path, stems: tuple[str, ...] = LOAD_ORDER) -> dict[str, Path | None]:
    """The file of each stem in the drop (None where absent); a DropError when the folder
    is missing or holds none of them."""
    if not drop.is_dir():
        raise readers.DropError(f"{drop} is not a folder")
    paths = {stem: readers.find(drop, stem) for stem in stems}
    if not any(paths.values()):
        raise readers.DropError(
            f"{drop} holds none of the contract's files ({', '.join(LOAD_ORDER)})"
        )
    return paths


def quarantine_dir(root: Path, drop: Path) -> Path:
    return root / drop.resolve().name


def accepted_rows(
    stem: str,
    path: Path,
    rep: FileReport,
    qdir: Path,
    on_bytes: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """The write rows of one file, in file order: every row read, validated, told from
    exact duplicates and conflicting keys, and transformed; bad rows go to quarantine.
    Counts ``read``, ``quarantined``, ``duplicates`` and the ``warnings`` of the rows it
    yields into ``rep`` (the caller counts ``loaded``). Shared by the online loader and the
    initial (offline) load."""
    spec = SPECS[stem]
    transform = TRANSFORMS[stem]
    quarantine = Quarantine(qdir, stem, path.name)
    seen = SeenKeys()
    try:
        for line, raw in readers.rows(path, on_bytes):
            rep.read += 1
            clean, problems = validate(spec, raw)
            if not problems:
                key, content = content_key(spec, raw)
                verdict = seen.check(key, content)
                if verdict == "duplicate":
                    rep.duplicates += 1
                    continue
                if verdict == "conflict":
                    keys = ", ".join(f"{k}={raw.get(k)!r}" for k in spec.key)
                    problems = [(DUPLICATE_KEY, f"{keys} was already given with other values")]
            if not problems:
                out = transform(clean)
                if not isinstance(out, list):
                    for reason in dict.fromkeys(r for r, _ in warnings_of(clean)):
                        rep.warnings[reason] += 1
                    yield out
                    continue
                problems = out
            rep.quarantined[reason_of(problems)] += 1
            quarantine.add(line, raw, problems)
    finally:
        quarantine.close()
        seen.close()


def iter_report_lines(report: LoadReport) -> Iterator[str]:
    yield report.table()


def write_report(report: LoadReport, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
