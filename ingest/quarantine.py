"""Where bad rows go, and how exact duplicates are told from conflicting ones.

Quarantine: one JSON-lines file per input file, each record with the file, the line,
the reasons (every problem of the row) and the row itself, so nothing is lost and the
row can be fixed and re-sent. A rerun of the same drop rewrites the same records.

Duplicates: a row whose key was already seen in this file with identical content is
an exact duplicate (counted, not loaded twice); the same key with other content is a
conflict and goes to quarantine as ``duplicate_key``. The seen-set lives in a temporary
SQLite file, so memory does not grow with the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import tempfile
from pathlib import Path
from typing import IO, Any

from ingest.validate import Problem

_FOUR_U32 = struct.Struct("<4I")


class SeenKeys:
    """Key -> content digest, on disk, with a fixed-size Bloom filter in front.

    Every row of a drop is checked here (exact duplicates are counted, a key given again
    with other values is a conflict), so the check must not cost a database statement
    per row. New keys wait in a dict and go to SQLite 50,000 at a time; a key the filter
    has never seen is new without asking SQLite; only the filter's "maybe" (a repeated
    key, or one false positive in about a thousand at 6.5 million keys) reads the table.
    The filter is 16 MiB whatever the file's size (more keys only mean more false
    positives, which cost a read each, never a wrong answer)."""

    BLOOM_BITS: int = 1 << 27  # 16 MiB
    FLUSH_EVERY: int = 50_000

    def __init__(self, directory: Path | None = None) -> None:
        self._tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in close()
            prefix="fraudrings-seen-", suffix=".sqlite", dir=directory, delete=True
        )
        self._db = sqlite3.connect(self._tmp.name, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-32768")  # 32 MiB
        self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY, h BLOB) WITHOUT ROWID")
        self._bloom = bytearray(self.BLOOM_BITS >> 3)
        self._mask = self.BLOOM_BITS - 1
        self._pending: dict[bytes, bytes] = {}
        self.table_reads = 0  # how often the filter said "maybe" (tests, benchmarks)

    @staticmethod
    def digest(*parts: str) -> bytes:
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()

    def _positions(self, key: bytes) -> tuple[int, int, int, int]:
        # the key is a 16-byte digest already: four independent 32-bit slices
        m = self._mask
        a, b, c, d = _FOUR_U32.unpack_from(key)
        return a & m, b & m, c & m, d & m

    def check(self, key: bytes, content: bytes) -> str:
        """'new', 'duplicate' (same key, same content) or 'conflict' (same key, new content)."""
        h = self._pending.get(key)
        if h is None:
            bloom = self._bloom
            pos = a, b, c, d = self._positions(key)
            if (
                bloom[a >> 3] & (1 << (a & 7))
                and bloom[b >> 3] & (1 << (b & 7))
                and bloom[c >> 3] & (1 << (c & 7))
                and bloom[d >> 3] & (1 << (d & 7))
            ):
                self.table_reads += 1
                row = self._db.execute("SELECT h FROM seen WHERE k = ?", (key,)).fetchone()
                h = row[0] if row is not None else None
            if h is None:
                for p in pos:
                    bloom[p >> 3] |= 1 << (p & 7)
                self._pending[key] = content
                if len(self._pending) >= self.FLUSH_EVERY:
                    self._flush()
                return "new"
        return "duplicate" if h == content else "conflict"

    def _flush(self) -> None:
        if self._pending:
            with self._db:  # one transaction
                self._db.execute("BEGIN")
                self._db.executemany("INSERT INTO seen VALUES (?, ?)", self._pending.items())
            self._pending.clear()

    def close(self) -> None:
        self._pending.clear()
        self._db.close()
        self._tmp.close()


class Quarantine:
    """Appends rejected rows of one input file to ``<dir>/<stem>.jsonl``."""

    def __init__(self, directory: Path, stem: str, source_name: str) -> None:
        self.path = directory / f"{stem}.jsonl"
        self.source_name = source_name
        self._fh: IO[str] | None = None
        self.count = 0
        directory.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)  # a rerun of the same drop writes the same records

    def add(self, line: int, row: dict[str, Any], problems: list[Problem]) -> None:
        if self._fh is None:
            self._fh = self.path.open("w", encoding="utf-8")
        rec = {
            "file": self.source_name,
            "line": line,
            "reasons": [{"reason": r, "detail": d} for r, d in problems],
            "row": row,
        }
        self._fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n")
        self.count += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
