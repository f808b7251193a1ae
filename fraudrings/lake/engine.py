"""The lake's gateway: the only module that imports ``duckdb``.

One :class:`Engine` owns one DuckDB connection (in memory: the lake itself is Parquet
files), with its memory limit, threads and spill folder from the settings, and the
contract's rules (``sql/rules.sql``) defined on it. Callers pass statement names (files
in ``sql/``) or statement text built from them, values always as parameters, and get
plain tuples back; DuckDB's errors become :class:`LakeError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from fraudrings.lake import sql
from fraudrings.lake.errors import LakeError, LakeInputError


class Engine:
    def __init__(
        self,
        *,
        memory_limit_mb: int = 1024,
        threads: int = 0,
        temp_dir: Path | None = None,
    ) -> None:
        try:
            self._con = duckdb.connect(":memory:")
            self._con.execute(f"SET memory_limit = '{int(memory_limit_mb)}MB'")
            if threads > 0:
                self._con.execute(f"SET threads = {int(threads)}")
            if temp_dir is not None:
                temp_dir.mkdir(parents=True, exist_ok=True)
                self._con.execute("SET temp_directory = $d", {"d": str(temp_dir)})
            self._con.execute("SET preserve_insertion_order = true")
            self._con.execute(sql.load("rules").body)
        except duckdb.Error as exc:
            raise LakeError(f"cannot start the lake's engine: {exc}") from exc

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._con.close()

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:
            raise LakeInputError(f"{what}: {_first_lines(exc)}") from exc
        except duckdb.Error as exc:
            raise LakeError(f"{what}: {_first_lines(exc)}") from exc

    def execute(self, text: str, params: Mapping[str, Any] | None = None, what: str = "") -> None:
        with self._errors(what or "lake statement"):
            self._con.execute(text, dict(params or {})).fetchall()

    def fetch(
        self, text: str, params: Mapping[str, Any] | None = None, what: str = ""
    ) -> list[tuple[Any, ...]]:
        with self._errors(what or "lake query"):
            return self._con.execute(text, dict(params or {})).fetchall()

    def columns(self, text: str, params: Mapping[str, Any] | None = None) -> list[str]:
        """The column names a query returns (without running it)."""
        with self._errors("lake query"):
            rel = self._con.execute(f"DESCRIBE {text}", dict(params or {})).fetchall()
        return [r[0] for r in rel]

    def check(self, text: str, params: Mapping[str, Any] | None = None) -> None:
        """Parse and bind a statement without keeping its effect: ``PREPARE`` where DuckDB
        can prepare it, else run it in a transaction that is rolled back (a CREATE)."""
        with self._errors("lake statement"):
            try:
                self._con.execute(f"PREPARE fr_check AS {text}").fetchall()
            except duckdb.ParserException as exc:
                if "not a preparable statement" not in str(exc):
                    raise
                self._con.execute("BEGIN TRANSACTION").fetchall()
                try:
                    self._con.execute(text, dict(params or {})).fetchall()
                finally:
                    self._con.execute("ROLLBACK").fetchall()
            else:
                self._con.execute("DEALLOCATE fr_check").fetchall()


def _first_lines(exc: BaseException, n: int = 3) -> str:
    return " ".join(str(exc).strip().splitlines()[:n])
