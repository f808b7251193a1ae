"""Stream the rows of one contract file, whatever its format.

Each file of a drop is found by its stem: ``<stem>.csv``, ``<stem>.csv.gz`` or
``<stem>.parquet``. Rows come out one at a time as ``(line, {column: text})``, so memory
does not grow with the file. ``line`` is the physical line number in a CSV file (the
header is line 1) and the 1-based data row number plus one in a Parquet file, so a
quarantined row can be found again. A ``progress`` callback gets the bytes consumed.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, cast

SUFFIXES = (".csv", ".csv.gz", ".parquet")

RawRow = dict[str, str]


class DropError(ValueError):
    """A drop cannot be read at all (missing folder, two formats of one file, no header)."""


def find(drop: Path, stem: str) -> Path | None:
    found = [drop / f"{stem}{suf}" for suf in SUFFIXES if (drop / f"{stem}{suf}").is_file()]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DropError(f"{drop}: {stem} is given more than once ({names}); keep one")
    return found[0] if found else None


class _CountingReader(io.RawIOBase):
    """Counts the bytes read from the file on disk (compressed bytes for .gz)."""

    def __init__(self, raw: IO[bytes], on_bytes: Callable[[int], None] | None) -> None:
        self._raw = raw
        self._on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        if self._on_bytes and n:
            self._on_bytes(n)
        return n


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return repr(v)
    return str(v)


def rows(path: Path, on_bytes: Callable[[int], None] | None = None) -> Iterator[tuple[int, RawRow]]:
    name = path.name
    if name.endswith(".parquet"):
        yield from _parquet_rows(path, on_bytes)
        return
    with path.open("rb") as fh:
        counted = io.BufferedReader(_CountingReader(fh, on_bytes), buffer_size=1 << 20)
        binary = cast(
            IO[bytes], gzip.GzipFile(fileobj=counted) if name.endswith(".gz") else counted
        )
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise DropError(f"{path}: not UTF-8 at the start of the file: {exc}") from exc
        except (csv.Error, OSError) as exc:
            raise DropError(f"{path}: cannot read the header: {exc}") from exc
        header = [h.strip() for h in header]
        if not any(header):
            raise DropError(f"{path}: empty header row")
        width = len(header)
        try:
            for values in reader:
                if not values:
                    continue
                if len(values) < width:
                    values = values + [""] * (width - len(values))
                row = dict(zip(header, values, strict=False))
                if len(values) > width:
                    row["__extra_cells__"] = ";".join(values[width:])
                yield reader.line_num, row
        except UnicodeDecodeError as exc:
            raise DropError(f"{path}: not UTF-8 near line {reader.line_num + 1}: {exc}") from exc
        except (csv.Error, EOFError, OSError) as exc:
            raise DropError(f"{path}: unreadable near line {reader.line_num + 1}: {exc}") from exc


def _parquet_rows(
    path: Path, on_bytes: Callable[[int], None] | None
) -> Iterator[tuple[int, RawRow]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    total_bytes = path.stat().st_size
    n_groups = max(pf.num_row_groups, 1)
    line = 1
    for gi in range(pf.num_row_groups):
        table = pf.read_row_group(gi)
        cols = table.column_names
        for batch in table.to_batches(max_chunksize=10_000):
            data = batch.to_pydict()
            for i in range(batch.num_rows):
                line += 1
                yield line, {c: _cell(data[c][i]) for c in cols}
        if on_bytes:
            on_bytes(total_bytes // n_groups)
