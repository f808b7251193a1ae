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

import contextlib
import hashlib
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import IO, Any

from fraudrings.ingest.validate import Problem


class SeenKeys:
    """Key -> content digest, on disk."""

    def __init__(self, directory: Path | None = None) -> None:
        self._tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in close()
            prefix="fraudrings-seen-", suffix=".sqlite", dir=directory, delete=True
        )
        self._db = sqlite3.connect(self._tmp.name, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("PRAGMA cache_size=-32768")  # 32 MiB
        self._db.execute("CREATE TABLE seen (k BLOB PRIMARY KEY, h BLOB) WITHOUT ROWID")
        self._db.execute("BEGIN")
        self._pending = 0

    @staticmethod
    def digest(*parts: str) -> bytes:
        return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()

    def check(self, key: bytes, content: bytes) -> str:
        """'new', 'duplicate' (same key, same content) or 'conflict' (same key, new content)."""
        cur = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, content))
        if cur.rowcount == 1:
            self._pending += 1
            if self._pending >= 50_000:
                self._db.execute("COMMIT")
                self._db.execute("BEGIN")
                self._pending = 0
            return "new"
        (h,) = self._db.execute("SELECT h FROM seen WHERE k = ?", (key,)).fetchone()
        return "duplicate" if h == content else "conflict"

    def close(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):
            self._db.execute("COMMIT")
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
