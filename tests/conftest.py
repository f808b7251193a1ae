"""Shared helpers: a tiny hand-built drop with known answers."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

MINI = Path(__file__).parent / "data" / "mini"


@pytest.fixture
def mini_drop(tmp_path: Path) -> Path:
    """A copy of tests/data/mini (CSV) in a temporary folder."""
    dst = tmp_path / "mini"
    shutil.copytree(MINI, dst)
    return dst


def to_gzip(drop: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for f in drop.glob("*.csv"):
        with f.open("rb") as src, gzip.open(dst / (f.name + ".gz"), "wb") as out:
            shutil.copyfileobj(src, out)
    return dst


def to_parquet(drop: Path, dst: Path) -> Path:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    dst.mkdir(parents=True, exist_ok=True)
    for f in drop.glob("*.csv"):
        # Read every column as text, as a real export's Parquet may carry strings.
        names = f.read_text(encoding="utf-8-sig").splitlines()[0].split(",")
        opts = pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, "string"), strings_can_be_null=False
        )
        table = pacsv.read_csv(f, convert_options=opts)
        pq.write_table(table, dst / (f.stem + ".parquet"))
    return dst
