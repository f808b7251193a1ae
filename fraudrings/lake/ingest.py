"""Land a drop in the lake: every file checked as SQL, bad rows to quarantine, good rows
appended to Parquet.

Per file of the drop, in the contract's load order (reference files first): DuckDB reads
it as text, checks every row against every rule of the contract (all problems of a row
collected, ``sql/rules.sql``), tells exact duplicates from conflicting keys, checks the
parties of box movements, writes the quarantine file and counts the report exactly as
the row loop does (``fraudrings.ingest.loader.accepted_rows``), and appends the rows the
lake does not hold yet to ``<lake>/<table>/region=<code>/month=<YYYY-MM>/*.parquet``. A
row is identified by an MD5 of its raw cells, so a second load of the same drop adds
nothing and an increment adds only its new rows. Parties the rows refer to that no
registry table holds become placeholders (``<lake>/unregistered/kind=<kind>/``).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraudrings.ingest import readers
from fraudrings.ingest.loader import FileReport, LoadReport, drop_files, quarantine_dir
from fraudrings.ingest.quarantine import Quarantine
from fraudrings.ingest.validate import LOAD_ORDER, reason_of
from fraudrings.lake import sql
from fraudrings.lake.contract import (
    LOOKUP_KIND,
    REFS,
    REGIONS_FROM,
    REGISTRIES,
    FileSql,
    file_sql,
    ident,
    literal,
)
from fraudrings.lake.engine import Engine
from fraudrings.lake.errors import LakeInputError

UNREGISTERED = "unregistered"


@dataclass
class LakeIngest:
    """Loads drops into the lake under ``lake_dir``; quarantine files as the online
    loader writes them (``<quarantine_root>/<drop>/<file>.jsonl``)."""

    lake_dir: Path
    quarantine_root: Path = Path("data/quarantine")
    memory_limit_mb: int = 1024
    threads: int = 0
    written: dict[str, int] = field(default_factory=dict)

    def run(self, drop: Path, stems: tuple[str, ...] = LOAD_ORDER) -> LoadReport:
        drop = Path(drop)
        paths = drop_files(drop, stems)
        qdir = quarantine_dir(self.quarantine_root, drop)
        report = LoadReport(drop=str(drop), quarantine_dir=str(qdir))
        loaded_at = dt.datetime.now().replace(microsecond=0)
        t0 = time.perf_counter()
        with Engine(
            memory_limit_mb=self.memory_limit_mb,
            threads=self.threads,
            temp_dir=self.lake_dir / ".tmp",
        ) as eng:
            self.begin(eng)
            for stem in stems:
                path = paths[stem]
                if path is not None:
                    report.files[stem] = self.load_file(eng, stem, path, qdir, loaded_at)
            placeholders = self.placeholders(eng, loaded_at)
        report.seconds = time.perf_counter() - t0
        report.extra = {
            "lake_dir": str(self.lake_dir),
            "lake_rows_written": dict(self.written),
            "unregistered_written": placeholders,
        }
        return report

    def begin(self, eng: Engine) -> None:
        """The load's lookups: regions of the lake's institutions, parties referred to."""
        self.lake_dir.mkdir(parents=True, exist_ok=True)
        for name in ("regions_init", "refs_init", "registered_init"):
            eng.execute(sql.load(name).body)
        if self._has_files("institutions"):
            eng.execute(sql.load("regions_lake").body, {"glob": self._glob("institutions")})
        self.written = {}

    # --- one file ---------------------------------------------------------------------
    def load_file(
        self, eng: Engine, stem: str, path: Path, qdir: Path, loaded_at: dt.datetime
    ) -> FileReport:
        """Checks, quarantines, counts and appends one file (after :meth:`begin`)."""
        t0 = time.perf_counter()
        rep = FileReport(source=path.name)
        fs = self._stage(eng, stem, path)
        eng.execute(
            sql.load("check_rows").fill(
                stripped=fs.stripped,
                values=fs.values,
                content=fs.content,
                reversal=fs.reversal,
                ok=fs.ok,
                kept=fs.kept,
                warned=fs.warned,
            ),
            what=f"{path}: checking the rows",
        )
        eng.execute(sql.load("verdicts").fill(key=fs.key))
        parties = "parties" if stem == "trace_events" else "parties_none"
        eng.execute(sql.load(parties).body)
        quarantined = self._quarantine(eng, fs, path, qdir)
        eng.execute(sql.load("accepted").body)
        if self._has_files(stem):
            eng.execute(sql.load("existing").body, {"glob": self._glob(stem)})
        else:
            eng.execute(sql.load("existing_none").body)
        ((read, duplicates, warned),) = eng.fetch(sql.load("counts").body)
        if stem in LOOKUP_KIND:
            eng.execute(sql.load("regions_lookup").body, {"kind": LOOKUP_KIND[stem]})
        ((written,),) = eng.fetch(
            sql.load("write_rows").fill(
                typed=fs.typed,
                joins=fs.joins,
                region=fs.region,
                month=fs.month,
                dir=literal(str(self.lake_dir / stem)),
            ),
            {"source": path.name, "loaded_at": loaded_at},
            what=f"{path}: writing the lake",
        )
        self._remember(eng, fs)
        rep.read = int(read)
        rep.duplicates = duplicates
        rep.quarantined = quarantined
        rep.loaded = read - duplicates - sum(quarantined.values())
        if warned:
            rep.warnings["rounding_cent"] = warned
        self.written[stem] = int(written)
        rep.seconds = time.perf_counter() - t0
        return rep

    def _stage(self, eng: Engine, stem: str, path: Path) -> FileSql:
        if path.name.endswith(".parquet"):
            header = tuple(eng.columns("SELECT * FROM read_parquet($p)", {"p": str(path)}))
            cols = ", ".join(
                f"strftime({ident(h)}, '%Y-%m-%d %H:%M:%S') AS {ident(h)}"
                if kind.startswith("TIMESTAMP")
                else f"CAST({ident(h)} AS VARCHAR) AS {ident(h)}"
                for h, kind in self._parquet_types(eng, path)
            )
            eng.execute(sql.load("stage_parquet").fill(columns=cols), {"path": str(path)})
            return file_sql(stem, header)
        header = read_header(path)
        columns = "{" + ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header) + "}"
        params = {"path": str(path)}
        try:
            eng.execute(sql.load("stage_csv").fill(columns=columns), params, what=str(path))
        except LakeInputError:
            # short rows (fewer cells than the header): read again, padded
            eng.execute(sql.load("stage_csv_padded").fill(columns=columns), params, what=str(path))
        return file_sql(stem, header)

    @staticmethod
    def _parquet_types(eng: Engine, path: Path) -> list[tuple[str, str]]:
        rows = eng.fetch("DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(path)})
        return [(r[0], str(r[1])) for r in rows]

    def _quarantine(self, eng: Engine, fs: FileSql, path: Path, qdir: Path) -> Counter[str]:
        """Writes the file's quarantine records (as the row loop writes them) and counts
        them by reason."""
        counts: Counter[str] = Counter()
        q = Quarantine(qdir, fs.stem, path.name)  # a rerun rewrites the file
        if not eng.fetch(sql.load("bad_count").body)[0][0]:
            q.close()
            return counts
        eng.execute(
            sql.load("problems").fill(
                stripped=fs.stripped,
                reversal=fs.reversal,
                problems=fs.problem_list,
                key_detail=fs.key_detail,
            ),
            what=f"{path}: quarantine",
        )
        eng.execute(sql.load("said").body)
        rows = eng.fetch(sql.load("quarantine").fill(raw=", ".join(fs.raw())))
        try:
            lines = self._lines(eng, fs, path, [r[0] for r in rows])
            for (_rn, problems, *cells), line in zip(rows, lines, strict=True):
                probs = [(p["reason"], p["detail"]) for p in problems]
                counts[reason_of(probs)] += 1
                q.add(line, _raw_row(fs.header, cells), probs)
        finally:
            q.close()
        return counts

    @staticmethod
    def _lines(eng: Engine, fs: FileSql, path: Path, rns: list[int]) -> Iterator[int]:
        """The line of each row as the row loop reports it: in a CSV file the physical
        line where the row ends (the header is line 1; a cell may hold line breaks), in
        a Parquet file the data row's number plus one."""
        if path.name.endswith(".parquet") or not rns:
            return (rn + 1 for rn in rns)
        ((rows,),) = eng.fetch("SELECT count(*) FROM lake_raw")
        if _one_line_per_row(path, int(rows)):
            return (rn + 1 for rn in rns)
        breaks = eng.fetch(
            sql.load("line_breaks").fill(content=fs.content, has_break=fs.has_break),
            {"upto": rns[-1]},
        )

        def gen() -> Iterator[int]:
            i, before = 0, 0
            for rn in rns:
                while i < len(breaks) and breaks[i][0] <= rn:
                    before += breaks[i][1]
                    i += 1
                yield rn + 1 + before

        return gen()

    def _remember(self, eng: Engine, fs: FileSql) -> None:
        """The regions later files look up, and the parties this file refers to."""
        if fs.stem in REGIONS_FROM:
            kind, code, region = REGIONS_FROM[fs.stem]
            eng.execute(
                sql.load("regions_add").fill(code=f"c.v_{code}", region=f"c.v_{region}"),
                {"kind": kind},
            )
        if fs.stem in REFS:
            eng.execute(
                sql.load("refs_add").fill(refs=fs.refs),
                {"seen_in": fs.stem, "seq": LOAD_ORDER.index(fs.stem)},
            )

    def placeholders(self, eng: Engine, loaded_at: dt.datetime) -> int:
        """Writes the load's new placeholders; returns how many."""
        for kind, (table, key) in REGISTRIES.items():
            if self._has_files(table):
                eng.execute(
                    sql.load("registered_add").fill(code=ident(key)),
                    {"kind": kind, "glob": self._glob(table)},
                )
        if self._has_files(UNREGISTERED):
            eng.execute(
                sql.load("registered_placeholders").body, {"glob": self._glob(UNREGISTERED)}
            )
        eng.execute(sql.load("unregistered_new").body)
        ((n,),) = eng.fetch("SELECT count(*) FROM lake_unregistered_new")
        if n:
            eng.execute(
                sql.load("unregistered").fill(dir=literal(str(self.lake_dir / UNREGISTERED))),
                {"loaded_at": loaded_at},
            )
        return int(n)

    # --- the lake's files -----------------------------------------------------------------
    def _glob(self, table: str) -> str:
        return str(self.lake_dir / table / "**" / "*.parquet")

    def _has_files(self, table: str) -> bool:
        return any((self.lake_dir / table).glob("**/*.parquet"))


def read_header(path: Path) -> tuple[str, ...]:
    """The header of a CSV or CSV.gz file, each name stripped (as the row loop reads it)."""
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
            header = next(csv.reader(text), None)
    except (UnicodeDecodeError, csv.Error, OSError, EOFError) as exc:
        raise readers.DropError(f"{path}: cannot read the header: {exc}") from exc
    if header is None:
        raise readers.DropError(f"{path}: the file is empty")
    names = tuple(h.strip() for h in header)
    if not any(names):
        raise readers.DropError(f"{path}: empty header row")
    if len(set(names)) != len(names):
        raise readers.DropError(f"{path}: a column is named twice in the header")
    return names


def _one_line_per_row(path: Path, rows: int) -> bool:
    """Whether no cell of a plain CSV file holds a line break: the file has no \\r, ends
    with \\n and holds exactly one \\n per row and the header (then a row's line is its
    number plus one, and no query over its cells is needed)."""
    if not path.name.endswith(".csv") or path.stat().st_size == 0:
        return False
    newlines, last = 0, b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 24):
            if b"\r" in chunk:
                return False
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    return last == b"\n" and newlines == rows + 1


def _raw_row(header: tuple[str, ...], cells: list[str]) -> dict[str, str]:
    return dict(zip(header, cells, strict=True))
