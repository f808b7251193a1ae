"""Readers stream CSV (with BOM, quoting), CSV.gz and Parquet the same way."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from fraudrings.ingest import readers
from tests.conftest import to_parquet

CSV = '\ufeffsetl_id,psn_no,dise_codg\nS1,P1,"J18.9, pneumonia"\nS2,P2,"multi\nline"\nS3,P3\n'


def test_bom_quotes_short_rows_and_line_numbers(tmp_path: Path) -> None:
    f = tmp_path / "settlements.csv"
    f.write_text(CSV, encoding="utf-8")
    rows = list(readers.rows(f))
    assert [line for line, _ in rows] == [2, 4, 5]
    assert rows[0][1] == {"setl_id": "S1", "psn_no": "P1", "dise_codg": "J18.9, pneumonia"}
    assert rows[1][1]["dise_codg"] == "multi\nline"
    assert rows[2][1]["dise_codg"] == ""


def test_gzip_and_parquet_give_the_same_rows(tmp_path: Path) -> None:
    f = tmp_path / "settlements.csv"
    f.write_text(CSV.replace("S3,P3\n", "S3,P3,\n"), encoding="utf-8")
    g = tmp_path / "gz" / "settlements.csv.gz"
    g.parent.mkdir()
    g.write_bytes(gzip.compress(f.read_bytes()))
    p = to_parquet(tmp_path, tmp_path / "pq") / "settlements.parquet"
    plain = [r for _, r in readers.rows(f)]
    assert [r for _, r in readers.rows(g)] == plain
    assert [r for _, r in readers.rows(p)] == plain


def test_progress_counts_bytes(tmp_path: Path) -> None:
    f = tmp_path / "persons.csv"
    f.write_text("psn_no\n" + "\n".join(f"P{i}" for i in range(5000)) + "\n")
    seen: list[int] = []
    assert len(list(readers.rows(f, seen.append))) == 5000
    assert sum(seen) == f.stat().st_size


def test_find_refuses_two_formats_of_one_file(tmp_path: Path) -> None:
    (tmp_path / "persons.csv").write_text("psn_no\n")
    (tmp_path / "persons.parquet").write_bytes(b"")
    with pytest.raises(readers.DropError, match="more than once"):
        readers.find(tmp_path, "persons")
    assert readers.find(tmp_path, "drugs") is None


def test_not_utf8_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "persons.csv"
    f.write_bytes("psn_no,psn_name\nP1,张三\n".encode("gbk"))
    with pytest.raises(readers.DropError, match="not UTF-8"):
        list(readers.rows(f))
