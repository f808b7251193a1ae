"""The initial load's files: typed CSV for the importer, spill partitions, its arguments."""

from __future__ import annotations

import csv
from pathlib import Path

from fraudrings.ingest.offline import CsvFile, Date, Sinks, Spill, Time, _import_args, read_spill


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


def test_initial_load_gives_a_cash_sale_no_buyer_and_no_shared_party(tmp_path: Path) -> None:
    from fraudrings.ingest.offline import map_file, reduce_events, reduce_keys

    pharmacy, supplier = "P37010200001", "91370100MA3C000001"
    a, b = "81234567890123456789", "81234567890123456790"
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "trace_events.csv").write_text(
        "drug_trac_codg,med_list_codg,event_type,event_time,from_code,to_code,setl_id\n"
        f"{a},X,purchase,2025-01-01 09:00:00,{supplier},{pharmacy},\n"
        f"{a},X,sale,2025-01-02 10:00:00,{pharmacy},,\n"
        f"{b},X,sale,2025-01-03 10:00:00,{pharmacy},,\n"
        f"{b},X,return,2025-01-04 10:00:00,,{pharmacy},\n",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    res = map_file(0, "trace_events", drop / "trace_events.csv", work, 1, tmp_path / "q")
    assert res.report.loaded == 4 and not res.report.quarantined
    files = list(res.files)
    files += reduce_events(0, work, 1)[0]
    files += reduce_keys(0, work, 1)[0]
    by_header: dict[str, list[list[str]]] = {}
    rels: dict[str, list[tuple[str, str]]] = {}
    box_props: dict[str, dict[str, str]] = {}
    for f in files:
        head, *rows = _rows(f.path)
        if f.kind == "nodes":
            by_header.setdefault(head[0], []).extend(rows)
            if head[0] == "drug_trac_codg:ID(Box)":
                names = [h.split(":")[0] for h in head]
                box_props.update({r[0]: dict(zip(names, r, strict=True)) for r in rows})
        else:
            rels.setdefault(f"{f.kind} {head[1]}", []).extend((r[0], r[1]) for r in rows)
    # no person at all: an unknown buyer is no node, shared or not
    assert "psn_no:ID(Person)" not in by_header
    assert sorted(k for k, *_ in by_header["fixmedins_code:ID(Institution)"]) == [pharmacy]
    events = by_header["event_id:ID(BoxEvent)"]
    sales = [r[0] for r in events if "Sale" in r[1].split(";")]
    assert len(sales) == 2
    # both cash sales come from the pharmacy and go to nobody
    assert sorted(e for e, _ in rels["FROM :END_ID(Institution)"] if e in sales) == sorted(sales)
    to = [e for k, v in rels.items() if k.startswith("TO ") for e, _ in v]
    assert not set(sales) & set(to)
    ret = next(r[0] for r in events if "Return" in r[1].split(";"))
    assert all(e != ret for k, v in rels.items() if k.startswith("FROM ") for e, _ in v)
    # each box counts its cash sale as a sale
    assert {k: (v["n_sales"], v["n_returns"]) for k, v in box_props.items()} == {
        a: ("1", "0"),
        b: ("1", "1"),
    }
