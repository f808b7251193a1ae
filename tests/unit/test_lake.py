"""The lake: every statement prepares in DuckDB, and a drop lands with the row loop's
report and quarantine (``ingest.loader.accepted_rows``, the oracle), idempotently."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

import fraudrings
from fraudrings.ingest.loader import FileReport, accepted_rows, drop_files, quarantine_dir
from fraudrings.lake import sql
from fraudrings.lake.contract import file_sql, literal, sample_slots
from fraudrings.lake.engine import Engine
from fraudrings.lake.errors import LakeError, LakeInputError
from fraudrings.lake.ingest import LakeIngest, read_header
from fraudrings.synth import generate
from tests.conftest import to_gzip, to_parquet

# --- the statements ----------------------------------------------------------------------


def test_every_statement_has_a_header_naming_its_parameters_and_slots() -> None:
    assert len(sql.names()) >= 10
    for name in sql.names():
        st = sql.load(name)
        assert st.header, name
        for p in st.params:
            assert f"${p}" in st.header, f"{name}: ${p} is not in its header"
        for s in st.slots:
            assert "{{" + s + "}}" in st.header, f"{name}: slot {s} is not in its header"


def test_a_missing_slot_is_refused() -> None:
    with pytest.raises(KeyError, match="needs slots"):
        sql.load("verdicts").fill()


def test_every_statement_prepares_against_duckdb(mini_drop: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(mini_drop)
    loader = LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q2")
    path = mini_drop / "trace_events.csv"
    fs = file_sql("trace_events", read_header(path))
    params: dict[str, Any] = {
        "path": str(path),
        "source": path.name,
        "loaded_at": dt.datetime(2025, 1, 1),
        "kind": "person",
        "seen_in": "trace_events",
        "seq": 7,
        "upto": 100,
    }
    globs = {
        "regions_lake": "institutions",
        "registered_add": "persons",
        "registered_placeholders": "unregistered",
    }
    with Engine() as eng:
        loader.begin(eng)
        loader.load_file(eng, "trace_events", path, tmp_path / "q2", dt.datetime(2025, 1, 1))
        eng.execute(sql.load("unregistered_new").body)
        for name in sql.names():
            st = sql.load(name)
            slots = sample_slots(fs, str(tmp_path / "scratch"))
            if name == "registered_add":
                slots["code"] = '"psn_no"'
            if name == "regions_add":
                slots["region"] = "c.v_setl_id"
            p = {k: v for k, v in params.items() if k in st.params}
            if "glob" in st.params:
                p["glob"] = str(lake / globs.get(name, "trace_events") / "**" / "*.parquet")
            text = st.fill(**{k: slots[k] for k in st.slots})
            if "parquet" in name:
                continue  # needs a Parquet file; staged in test_formats_give_the_same_report
            eng.check(text, p)
    with Engine() as eng, pytest.raises(LakeError, match="lake statement"):
        eng.check("SELECT no_such_column FROM lake_nothing")


def test_nothing_but_the_engine_imports_duckdb() -> None:
    root = Path(fraudrings.__file__).resolve().parent
    importers = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n.split(".")[0] == "duckdb" for n in names):
                importers.append(path.relative_to(root).as_posix())
    assert importers == ["lake/engine.py"]


def test_the_rules_read_cells_as_python_does() -> None:
    with Engine() as eng:
        for text in ["a'b", "a\"b'c", "x\n\x00\\", "tab\there\u3000", "both'\"", "张*三"]:
            assert eng.fetch("SELECT fr_repr($t)", {"t": text}) == [(repr(text),)]
        for text in [" a ", "\u3000甲\u3000", "\t", "", "x", "a b"]:
            assert eng.fetch("SELECT fr_strip($t)", {"t": text}) == [(text.strip() or None,)]
        for text in ["1e3", "1_000", ".5", "+5", "-0", "nan", "inf", "1,5", "0x1A", "1__0"]:
            try:
                want: float | None = float(text)
            except ValueError:
                want = None
            if want is not None and (want in (float("inf"), float("-inf")) or want != want):
                want = None
            assert eng.fetch("SELECT fr_num($t)", {"t": text}) == [(want,)], text


def test_an_unreadable_file_is_the_lakes_own_error(tmp_path: Path) -> None:
    drop = tmp_path / "bad"
    drop.mkdir()
    (drop / "persons.csv.gz").write_bytes(b"\x1f\x8b" + b"not gzip at all" * 10)
    with pytest.raises((LakeInputError, fraudrings.ingest.readers.DropError)):
        LakeIngest(lake_dir=tmp_path / "lake", quarantine_root=tmp_path / "q").run(drop)


# --- parity with the row loop ---------------------------------------------------------------


def row_loop(drop: Path, qroot: Path) -> dict[str, dict[str, Any]]:
    """The oracle: the online loader's own row loop, without Neo4j."""
    out = {}
    qdir = quarantine_dir(qroot, drop)
    for stem, path in drop_files(drop).items():
        if path is None:
            continue
        rep = FileReport(source=path.name)
        rep.loaded = sum(1 for _ in accepted_rows(stem, path, rep, qdir))
        out[stem] = rep.as_dict()
    return out


def lake_load(drop: Path, lake: Path, qroot: Path) -> tuple[dict[str, dict[str, Any]], Any]:
    report = LakeIngest(lake_dir=lake, quarantine_root=qroot).run(drop)
    assert all(f.balanced for f in report.files.values())
    return {k: v.as_dict() for k, v in report.files.items()}, report


def assert_parity(drop: Path, tmp_path: Path) -> Any:
    want = row_loop(drop, tmp_path / "q-rows")
    got, report = lake_load(drop, tmp_path / "lake", tmp_path / "q-lake")
    for d in (*want.values(), *got.values()):
        d.pop("seconds")
    assert got == want
    name = drop.resolve().name
    rows, lake = tmp_path / "q-rows" / name, tmp_path / "q-lake" / name
    files = sorted(p.name for p in rows.glob("*.jsonl"))
    assert files == sorted(p.name for p in lake.glob("*.jsonl"))
    for f in files:
        assert (lake / f).read_text(encoding="utf-8") == (rows / f).read_text(encoding="utf-8")
    return report


def test_mini_drop_same_report_and_quarantine(mini_drop: Path, tmp_path: Path) -> None:
    report = assert_parity(mini_drop, tmp_path)
    d = report.as_dict()
    assert set(d) >= {"files", "rows_read", "seconds", "rows_per_second"}
    assert d["rows_read"] == 38
    assert d["files"]["settlements"]["quarantined"] == {
        "bad_number": 1,
        "duplicate_key": 1,
        "multiple": 1,
    }
    assert d["files"]["trace_events"]["duplicates"] == 1


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
def test_formats_give_the_same_report(mini_drop: Path, tmp_path: Path, fmt: str) -> None:
    other = tmp_path / "other"
    (to_gzip if fmt == "csv.gz" else to_parquet)(mini_drop, other / "mini")
    assert_parity(other / "mini", tmp_path)


def test_edge_rows_same_report_and_quarantine(mini_drop: Path, tmp_path: Path) -> None:
    """A value across lines, lists of only separators, a count that is not whole (the
    initial load's edge drop)."""
    with (mini_drop / "persons.csv").open("a", encoding="utf-8") as fh:
        fh.write('P006,孙*八,1,1980-01-01,,13900000004,"淄博市某村\n2号",390,370300,;,,\n')
    with (mini_drop / "fee_details.csv").open("a", encoding="utf-8") as fh:
        fh.write("F7,S10,P001,2025-04-20 10:00:00,XL01XC001,1.5,2800.00,4200.00,")
        fh.write("D370102000001,RX7,28,;,\n")
        fh.write('F8,S10,P001,2025-04-20 10:00:00,XL01XC001,-1,2800.00,"-0.01",,,,,\n')
    assert_parity(mini_drop, tmp_path)


def test_cash_sales_and_a_cent_of_rounding(tmp_path: Path) -> None:
    from tests.integration.test_ingest import CASH_EXPECTED, write_cash_drop

    drop = write_cash_drop(tmp_path / "cash")
    report = assert_parity(drop, tmp_path)
    keep = ("read", "loaded", "quarantined", "duplicates", "warnings")
    got = {k: {x: v.as_dict()[x] for x in keep} for k, v in report.files.items()}
    assert got == CASH_EXPECTED
    lines = [
        json.loads(x)["line"]
        for x in (tmp_path / "q-lake" / "cash" / "trace_events.jsonl").read_text().splitlines()
    ]
    assert lines == [10, 11, 12]


DIRTY: dict[str, str] = {
    "persons": (
        "psn_no,psn_name,gend,brdy,certno,tel,addr,insutype,insu_admdvs,psn_flags,death_date,"
        "nick name,_hidden\n"
        "  P010 ,O'Brien,1,1990-01-01,,,,310,370100,poverty; retired,,x,y\n"
        'P011,"say ""hi""",3,1990-02-30,,,,31,37010,poverty;unknown;,2020-01-01T00:00,,\n'
        '\u3000P012\u3000,甲,2,0000-01-01,,,"路\r\n1号",310,３７０１００,,,,\n'
        ",no key,9,1990-01-01,,,,310,370100,,,,\n"
        "P010,O'Brien,1,1990-01-01,,,,310,370100,poverty; retired,,x,y\n"
        "P010 ,O'Brien,1,1990-01-01,,,,310,370100,poverty; retired,,x,y\n"
        "P013,back\\slash,1,1990-1-01,,,,abc,370100,medical_aid,1990-01-01 ,,\n"
    ),
    "institutions": (
        "fixmedins_code,fixmedins_name,fixmedins_type,hosp_lv,ownership,admdvs,lat,lon,"
        "chain_code,online\n"
        "H37010200001,甲,1,3,public,370100,-36.65,-117.12,,0\n"
        "H3701020000１,全角,1,3,public,370100,36.65,117.12,,0\n"
        "X'12\\,乙,2,4,state,370100,abc,inf,,2\n"
        "P37010200009,丙,2,,private,370200,36.66,117.13,,1\n"
    ),
    "practitioners": (
        "prac_code,prac_name,prac_type,fixmedins_code\n"
        "D1,孙*医,doctor,H37010200001\n"
        "D2,short row\n"
        "D3,周*药,chef,P3701\n"
    ),
    "settlements": (
        "setl_id,psn_no,fixmedins_code,mdtrtarea_admvs,med_type,begntime,endtime,setl_time,"
        "medfee_sumamt,fund_pay_sumamt,psn_cash_pay,refd_setl_flag,refd_setl_id\n"
        "S1,P010,H37010200001,370100,21,2025-01-01,2025-01-02T10:00:00,2025-01-02 10:00:00,"
        "1e3,1_000,-0.01,0,\n"
        "S2,P010,H37010200001,370100,41,,,2025-01-03 10:00:00,nan,-0.02,0,,\n"
        "S3,P999,H37010200001,370100,41,,,,-5,-5,-5,1,S1\n"
        "S4,P010,H37010200001,370100,99,2025-01-32,,2025-01-03 25:00:00,abc,-1,0,0,\n"
        " S1,P010,H37010200001,370100,21,2025-01-01,2025-01-02T10:00:00,2025-01-02 10:00:00,"
        "1e3,1_000,-0.01,0,\n"
        "S5,P010,H37010200001,370100,41,,,2025-02-03 10:00:00,1,1,-0.010,0,\n"
        "S6,,P1,,,,,,,,,,\n"
        "S7,P010,H37010200001,370100,41,,,2025-02-03 10:00:00,1 2,1,1,0,\n"
        "S8,P010,H37010200001,370100,41,,,2025-02-03 10:00:00,1,-3,1,0,\n"
    ),
    "fee_details": (
        "feedetl_sn,setl_id,psn_no,fee_ocur_time,med_list_codg,cnt,pric,det_item_fee_sumamt,"
        "drug_trac_codg,init_feedetl_sn\n"
        "F1,S1,P010,2025-01-02 10:00:00,XL01,2,10,20, 81; 82 ;,\n"
        "F2,S1,P010,2025-01-02 10:00:00,XL01,-1,10,-10,abc;;x-y;z!;q_;w#,\n"
        "F3,S1,P010,2025-01-02 10:00:00,XL01,-1,10,-10,81,F1\n"
        "F4,S9,P010,,XL02,1,-0.01,-0.005,8" + "1" * 101 + ",\n"
        "F5,,,,,,,,,\n"
    ),
    "trace_events": (
        "drug_trac_codg,med_list_codg,event_type,event_time,from_code,to_code,setl_id\n"
        "81,XL01,purchase,2025-01-01 09:00:00,91370100MA3C000001,H37010200001,\n"
        "81,XL01,purchase,2025-01-01 09:00:00,P010,123456789012345678,\n"
        "81,XL01,purchase,2025-01-01 09:00:00,P010,123456789012345678,\n"
        "81,XL01,sale,2025-01-02 10:00:00,H37010200001,91370100MA3C000001,S1\n"
        "81,XL01,return,2025-01-03,,H37010200001,\n"
        "81-x,XL01,teleport,yesterday,a'b,,\n"
        "82,XL01,recall,2025-01-04 10:00:00,P37010200009,91370100MA3C000001,\n"
        "82,XL01,transfer,2025-01-04 10:00:00,P37010200009,P010,\n"
        ",,,,,,\n"
    ),
}


def test_dirty_rows_same_report_and_quarantine(tmp_path: Path) -> None:
    """Every reason, several in one row, padded and unicode cells, quotes in details,
    short rows, exact and conflicting duplicates, movements no party can make."""
    drop = tmp_path / "dirty"
    drop.mkdir()
    for stem, text in DIRTY.items():
        (drop / f"{stem}.csv").write_bytes(text.encode("utf-8"))
    report = assert_parity(drop, tmp_path)
    q = {stem: sum(f.quarantined.values()) for stem, f in report.files.items() if f.quarantined}
    assert q["persons"] >= 4 and q["settlements"] >= 4 and q["trace_events"] >= 4
    reasons = set().union(*(f.quarantined for f in report.files.values()))
    assert reasons >= {
        "missing_key",
        "missing_value",
        "bad_date",
        "bad_number",
        "negative_value",
        "bad_code",
        "duplicate_key",
        "multiple",
    }
    assert report.files["settlements"].warnings == {"rounding_cent": 2}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lake") / "drop2000"
    generate(out, persons=2000, seed=5)
    return out


def test_generated_drop_same_report_and_quarantine(generated: Path, tmp_path: Path) -> None:
    report = assert_parity(generated, tmp_path)
    assert report.rows_read > 100_000
    assert report.extra["lake_rows_written"]["settlements"] == report.files["settlements"].loaded


# --- the lake's files -----------------------------------------------------------------------


def lake_rows(lake: Path, table: str, cols: str, where: str = "true") -> list[tuple[Any, ...]]:
    with Engine() as eng:
        glob = literal(str(lake / table / "**" / "*.parquet"))
        return eng.fetch(
            f"SELECT {cols} FROM read_parquet({glob}, hive_partitioning = true, "
            f"hive_types_autocast = false) WHERE {where} ORDER BY ALL"
        )


def test_rows_land_typed_and_partitioned(mini_drop: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(mini_drop)
    parts = sorted(
        p.parent.relative_to(lake).as_posix() for p in (lake / "settlements").rglob("*.parquet")
    )
    assert "settlements/region=370200/month=2025-04" in parts
    with Engine() as eng:
        glob = literal(str(lake / "settlements" / "**" / "*.parquet"))
        rows = eng.fetch(
            f"SELECT setl_id, setl_time, medfee_sumamt, psn_cash_pay, region, month "
            f"FROM read_parquet({glob}, hive_partitioning = true, hive_types_autocast = false) "
            f"WHERE setl_id IN ('S8', 'S9') ORDER BY setl_id"
        )
        assert rows == [
            ("S8", dt.datetime(2025, 4, 1, 10, 1), 2800.0, 300.0, "370200", "2025-04"),
            ("S9", dt.datetime(2025, 4, 3, 10, 1), -2800.0, -300.0, "370200", "2025-04"),
        ]
        # persons: flags as a list, the extra column kept as x_<name>
        glob = literal(str(lake / "persons" / "**" / "*.parquet"))
        assert eng.fetch(
            f"SELECT psn_flags, x_nickname FROM read_parquet({glob}) WHERE psn_no = 'P001'"
        ) == [(["retired", "poverty"], "lao zhang")]
        # fee lines take their settlement's region
        glob = literal(str(lake / "fee_details" / "**" / "*.parquet"))
        assert eng.fetch(
            f"SELECT DISTINCT region FROM read_parquet({glob}, hive_partitioning = true, "
            f"hive_types_autocast = false) ORDER BY 1"
        ) == [("370100",), ("370200",)]
    # a party referred to but registered nowhere becomes a placeholder
    assert ("P999", "settlements", "person") in [
        (code, seen, kind) for kind, code, seen in _placeholders(lake)
    ]


def _placeholders(lake: Path) -> list[tuple[str, str, str]]:
    with Engine() as eng:
        glob = literal(str(lake / "unregistered" / "**" / "*.parquet"))
        return [
            (str(k), str(c), str(s))
            for k, c, s in eng.fetch(
                f"SELECT kind, code, seen_in FROM read_parquet({glob}, hive_partitioning = true,"
                f" hive_types_autocast = false) ORDER BY ALL"
            )
        ]


def _count(lake: Path) -> dict[str, int]:
    out = {}
    with Engine() as eng:
        for table in sorted(p.name for p in lake.iterdir() if not p.name.startswith(".")):
            glob = literal(str(lake / table / "**" / "*.parquet"))
            out[table] = eng.fetch(f"SELECT count(*) FROM read_parquet({glob})")[0][0]
    return out


def test_a_second_load_adds_nothing(mini_drop: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    first = LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(mini_drop)
    before, files = _count(lake), sorted(lake.rglob("*.parquet"))
    second = LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(mini_drop)
    assert _count(lake) == before
    assert sorted(lake.rglob("*.parquet")) == files
    assert set(second.extra["lake_rows_written"].values()) == {0}
    assert second.extra["unregistered_written"] == 0
    a, b = first.as_dict(), second.as_dict()
    for d in (a, b):
        for f in d["files"].values():
            f.pop("seconds")
    assert a["files"] == b["files"]  # the report is the same, as the row loop's would be


def test_an_increment_is_appended(mini_drop: Path, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(mini_drop)
    before = _count(lake)
    inc = tmp_path / "inc"
    inc.mkdir()
    header = (mini_drop / "settlements.csv").read_text(encoding="utf-8").splitlines()[0]
    old = (mini_drop / "settlements.csv").read_text(encoding="utf-8").splitlines()[1]
    new = (
        "S20,M20,P001,P37010200001,370100,41,2025-05-02 10:00:00,2025-05-02 10:00:00,"
        "2025-05-02 10:01:00,100.00,80.00,80.00,0,0,10.00,10.00,C50.9,D370102000001,01,T1,0,"
    )
    (inc / "settlements.csv").write_text(f"{header}\n{old}\n{new}\n", encoding="utf-8")
    report = LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(inc)
    assert report.files["settlements"].loaded == 2  # as the row loop counts it
    assert report.extra["lake_rows_written"] == {"settlements": 1}
    after = _count(lake)
    assert after["settlements"] == before["settlements"] + 1
    assert {k: v for k, v in after.items() if k != "settlements"} == {
        k: v for k, v in before.items() if k != "settlements"
    }
    assert lake_rows(lake, "settlements", "setl_id, region, month", "setl_id = 'S20'") == [
        ("S20", "370100", "2025-05")
    ]


# --- projections ------------------------------------------------------------------------------


def written(drop: Path, qroot: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """The rows the online loader would write (the row loop's output) by table and key,
    the last row of a key winning, as the graph keeps them."""
    keys = {"persons": "psn_no", "settlements": "setl_id", "institutions": "fixmedins_code"}
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for stem, key in keys.items():
        path = drop_files(drop)[stem]
        assert path is not None
        rep = FileReport(source=path.name)
        out[stem] = {r[key]: r for r in accepted_rows(stem, path, rep, quarantine_dir(qroot, drop))}
    return out


def deceased_claims_oracle(drop: Path, qroot: Path) -> list[tuple[Any, ...]]:
    """detect_deceased_claims.cypher's rows, computed in Python from what the online
    loader would write."""
    rows = written(drop, qroot)
    persons, settlements, institutions = rows["persons"], rows["settlements"], rows["institutions"]
    reversed_ = {s["refd_setl_id"] for s in settlements.values() if s["refund"]}
    out = []
    for s in settlements.values():
        p = persons.get(s["psn_no"])
        if p is None or not p["t"]["death_date"] or not s["t"]["begntime"]:
            continue
        death = dt.date.fromisoformat(p["t"]["death_date"])
        begin = dt.datetime.fromisoformat(s["t"]["begntime"])
        if begin.date() <= death or s["refund"] or s["setl_id"] in reversed_:
            continue
        inst = institutions.get(s["fixmedins_code"])
        out.append(
            (
                p["psn_no"],
                death,
                p["props"].get("insu_admdvs"),
                s["setl_id"],
                begin,
                s["props"].get("med_type"),
                s["props"].get("fund_pay_sumamt"),
                s["dr_codg"],
                inst["fixmedins_code"] if inst else None,
                inst["props"].get("admdvs") if inst else None,
            )
        )
    return sorted(out, key=lambda r: (r[0], r[4], r[3]))


def test_deceased_claims_projection_gives_the_detectors_rows(
    generated: Path, tmp_path: Path
) -> None:
    from fraudrings.lake import projections

    assert "deceased_claims" in projections.names()
    lake = tmp_path / "lake"
    LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(generated)
    got = [tuple(r.values()) for r in projections.run(lake, "deceased_claims")]
    want = deceased_claims_oracle(generated, tmp_path / "q-rows")
    assert len(want) > 0
    assert got == want
    # a later load that reverses one of them takes it out; loading again changes nothing
    first = projections.run(lake, "deceased_claims")[0]
    inc = tmp_path / "inc"
    inc.mkdir()
    (inc / "settlements.csv").write_text(
        "setl_id,psn_no,fixmedins_code,setl_time,refd_setl_flag,refd_setl_id\n"
        f"R1,{first['psn_no']},{first['inst']},2025-12-30 10:00:00,1,{first['setl_id']}\n",
        encoding="utf-8",
    )
    for _ in range(2):
        LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(inc)
        after = projections.run(lake, "deceased_claims")
        assert [r["setl_id"] for r in after] == [r[3] for r in want if r[3] != first["setl_id"]]


def test_a_projection_over_an_empty_lake_is_refused(tmp_path: Path) -> None:
    from fraudrings.lake import projections

    with pytest.raises(LakeError, match="holds no"):
        projections.run(tmp_path / "lake", "deceased_claims")


def split_admissions_oracle(drop: Path, qroot: Path, max_gap: float) -> list[tuple[Any, ...]]:
    """detect_split_admissions.cypher's rows, computed in Python from what the online
    loader would write."""
    rows = written(drop, qroot)
    persons, settlements, institutions = rows["persons"], rows["settlements"], rows["institutions"]
    reversed_ = {s["refd_setl_id"] for s in settlements.values() if s["refund"]}
    by_person: dict[str, list[dict[str, Any]]] = {}
    for s in settlements.values():
        stood = s["inpatient"] and not s["refund"] and s["setl_id"] not in reversed_
        if stood and s["t"]["begntime"] and s["t"]["endtime"]:
            by_person.setdefault(s["psn_no"], []).append(s)
    out = []
    for psn, ss in by_person.items():
        ss.sort(key=lambda s: (s["t"]["begntime"], s["setl_id"]))
        for a, b in itertools.pairwise(ss):
            end_a = dt.datetime.fromisoformat(a["t"]["endtime"])
            begn_b = dt.datetime.fromisoformat(b["t"]["begntime"])
            gap = int((begn_b - end_a).total_seconds()) / 86400.0
            if not 0 <= gap <= max_gap:
                continue
            ia, ib = institutions.get(a["fixmedins_code"]), institutions.get(b["fixmedins_code"])
            p = persons.get(psn)
            out.append(
                (
                    psn,
                    p["props"].get("insu_admdvs") if p else None,
                    a["fixmedins_code"],
                    ia["props"].get("admdvs") if ia else None,
                    ia["props"].get("hosp_lv") if ia else None,
                    b["fixmedins_code"],
                    ib["props"].get("hosp_lv") if ib else None,
                    a["setl_id"],
                    dt.datetime.fromisoformat(a["t"]["begntime"]),
                    end_a,
                    a["props"].get("dise_codg"),
                    b["setl_id"],
                    begn_b,
                    dt.datetime.fromisoformat(b["t"]["endtime"]),
                    b["props"].get("dise_codg"),
                    a["props"].get("fund_pay_sumamt"),
                    b["props"].get("fund_pay_sumamt"),
                    gap,
                )
            )
    return sorted(out, key=lambda r: (r[0], r[8], r[7]))


def test_split_admissions_projection_gives_the_detectors_rows(
    generated: Path, tmp_path: Path
) -> None:
    from fraudrings.lake import projections

    lake = tmp_path / "lake"
    LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(generated)
    for gap in (3.0, 15.0):
        got = [
            tuple(r.values())
            for r in projections.run(lake, "split_admissions", {"max_gap_days": gap})
        ]
        want = split_admissions_oracle(generated, tmp_path / "q-rows", gap)
        assert len(want) > 0
        assert got == want
    with pytest.raises(LakeError, match="needs"):
        projections.run(lake, "split_admissions")


def pooling_arrivals_oracle(drop: Path, qroot: Path) -> list[tuple[Any, ...]]:
    """detect_pooling_arrivals.cypher's rows, computed in Python from what the online
    loader would write (times parsed, as the detector reads them)."""
    rows = written(drop, qroot)
    shops = {code for code, i in rows["institutions"].items() if i["pharmacy"] and not i["online"]}
    by_shop: dict[str, list[tuple[dt.datetime, str, str]]] = {}
    for s in rows["settlements"].values():
        t = s["t"]["setl_time"]
        if s["fixmedins_code"] not in shops or not t or not s["psn_no"]:
            continue
        if s["refund"] or s["inpatient"]:
            continue
        by_shop.setdefault(s["fixmedins_code"], []).append(
            (dt.datetime.fromisoformat(t), s["psn_no"], s["setl_id"])
        )
    return [(shop, sorted(xs, key=lambda x: (x[0], x[2]))) for shop, xs in sorted(by_shop.items())]


def test_pooling_arrivals_projection_gives_the_detectors_rows(
    generated: Path, tmp_path: Path
) -> None:
    from fraudrings.lake import projections

    lake = tmp_path / "lake"
    LakeIngest(lake_dir=lake, quarantine_root=tmp_path / "q").run(generated)
    got = [
        (r["inst"], [(dt.datetime.fromisoformat(t), p, i) for t, p, i in r["arrivals"]])
        for r in projections.run(lake, "pooling_arrivals")
    ]
    want = pooling_arrivals_oracle(generated, tmp_path / "q-rows")
    assert sum(len(xs) for _, xs in want) > 1000
    assert got == want
