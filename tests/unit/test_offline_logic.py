"""The initial load's files: typed CSV for the importer, spill partitions, its arguments."""

from __future__ import annotations

import csv
from pathlib import Path

from ingest.offline import CsvFile, Date, Sinks, Spill, Time, _import_args, read_spill


def _rows(path: str) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_node_files_carry_the_importer_types_of_each_row(tmp_path: Path) -> None:
    out = Sinks(tmp_path, "t")
    props = {
        "name": 'a "b", c',
        "n": 3,
        "x": 2.5,
        "ok": True,
        "flags": ["poverty", "retired"],
        "brdy": Date("1950-03-02"),
        "at": Time("2025-01-02T10:00:00"),
    }
    out.node("Person", "P1", "Person;Unregistered", props)
    out.node("Person", "P2", "Person", {"name": "x", "n": 1.5})  # another type: another file
    out.rel("SETTLED", "Person", "P1", "Settlement", "S1")
    files, multiline = out.close()
    assert not multiline
    by_kind = {(f.kind, f.header): f for f in files}
    assert len(files) == 3
    header = (
        "psn_no:ID(Person),:LABEL,name:string,n:long,x:double,ok:boolean,flags:string[],"
        "brdy:date,at:localdatetime"
    )
    first = by_kind[("nodes", header)]
    assert _rows(first.path)[1] == [
        "P1",
        "Person;Unregistered",
        'a "b", c',
        "3",
        "2.5",
        "true",
        "poverty;retired",
        "1950-03-02",
        "2025-01-02T10:00:00",
    ]
    second = by_kind[("nodes", "psn_no:ID(Person),:LABEL,name:string,n:double")]
    assert _rows(second.path)[1] == ["P2", "Person", "x", "1.5"]
    rel = by_kind[("SETTLED", ":START_ID(Person),:END_ID(Settlement)")]
    assert _rows(rel.path) == [[":START_ID(Person)", ":END_ID(Settlement)"], ["P1", "S1"]]


def test_a_value_across_lines_is_noticed(tmp_path: Path) -> None:
    out = Sinks(tmp_path, "t")
    out.node("Address", "line one\nline two", "Address", {})
    _, multiline = out.close()
    assert multiline


def test_spill_keeps_the_order_of_each_partition(tmp_path: Path) -> None:
    sp = Spill(tmp_path, "s", 3)
    recs = [("k", "G", f"key{i}", i % 2 == 0) for i in range(20_000)]
    for r in recs:
        sp.add(sp.part(r[2]), r)
    sp.close()
    back = [list(read_spill(tmp_path, "s", p)) for p in range(3)]
    assert sum(len(b) for b in back) == len(recs)
    for p, b in enumerate(back):
        assert b == [r for r in recs if sp.part(r[2]) == p]
    assert list(read_spill(tmp_path, "absent", 0)) == []


def test_import_arguments_join_files_of_one_header(tmp_path: Path) -> None:
    files = [
        CsvFile("nodes", "k:ID(A),:LABEL", "/w/a1.csv"),
        CsvFile("nodes", "k:ID(A),:LABEL", "/w/a2.csv"),
        CsvFile("nodes", "k:ID(A),:LABEL,p:long", "/w/a3.csv"),
        CsvFile("TO", ":START_ID(A),:END_ID(A)", "/w/r1.csv"),
    ]
    args = _import_args(files, False, tmp_path, "neo4j", "2g")
    assert args[:3] == ["neo4j", "--overwrite-destination=true", "--max-off-heap-memory=2g"]
    assert "--multiline-fields=false" in args
    assert "--nodes=/w/a1.csv,/w/a2.csv" in args and "--nodes=/w/a3.csv" in args
    assert "--relationships=TO=/w/r1.csv" in args
