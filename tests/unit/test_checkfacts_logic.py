"""The check's read model without a database: a hand-made file, a fake gateway for the
tokens, and the keeper's rules for when the file may answer (api/checkfacts.py)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from fraudrings.api.checkfacts import FactsKeeper
from fraudrings.graph.checkfacts import (
    FORMAT,
    NULL_TIME,
    SCHEMA,
    CheckFacts,
    distance_km,
    from_us,
    to_us,
)
from fraudrings.graph.errors import GraphUnavailable


def t(s: str) -> int:
    return to_us(datetime.fromisoformat(s))


def make_file(path: Path, token: str) -> Path:
    con = sqlite3.connect(path)
    con.executescript(SCHEMA)
    meta = {
        "format": FORMAT,
        "token": token,
        "deaths": json.dumps({"DEAD": "2025-05-10"}),
        "places": json.dumps(
            {"JN": [36.65, 117.0, False], "QD": [36.07, 120.38, False], "WEB": [None, None, True]}
        ),
        "doses": json.dumps({"XHV": 0.1}),  # one box lasts 10 days
    }
    con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    con.execute("INSERT INTO sold_box VALUES ('B1', ?, 'S1', 'JN')", (t("2025-03-01T10:00"),))
    con.execute("INSERT INTO person VALUES ('P1', '370102')")
    con.executemany(
        "INSERT INTO visit VALUES (?, ?, ?, ?, ?)",
        [
            ("P1", t("2025-03-12T09:00"), "S2", "QD", t("2025-03-12T11:00")),
            ("P1", t("2025-03-01T09:00"), "S1", "JN", t("2025-03-01T09:30")),
        ],
    )
    con.executemany(
        "INSERT INTO line VALUES (?, ?, ?, ?, ?, ?)",
        [
            ("P1", "XHV", t("2025-03-01T09:00"), t("2025-03-01T09:10"), 3, "S1"),
            ("P2", "XHV", t("2025-03-01T09:00"), NULL_TIME, 1, "S9"),
        ],
    )
    con.commit()
    con.close()
    return path


def check(**over: Any) -> dict[str, Any]:
    c = {
        "psn_no": "P1",
        "fixmedins_code": "JN",
        "setl_time": "2025-03-12T12:00:00",
        "codes": [],
        "drugs": [],
    }
    return {**c, **over}


def test_times_round_trip_and_null_sorts_last_in_time() -> None:
    when = datetime(2025, 3, 1, 9, 10, 0, 123456)
    assert from_us(to_us(when)) == when
    assert to_us(None) == NULL_TIME and from_us(NULL_TIME) is None


def test_distance_is_the_haversine_neo4j_uses() -> None:
    # Jinan - Qingdao: about 300 km; the same point: 0
    assert distance_km(36.65, 117.0, 36.07, 120.38) == pytest.approx(309.6, abs=0.5)
    assert distance_km(36.65, 117.0, 36.65, 117.0) == 0


def test_lookup_finds_each_fact(tmp_path: Path) -> None:
    f = CheckFacts(make_file(tmp_path / "f.sqlite", "D1"))
    leads = {"P1": [{"lead_id": "L1", "typology": "prescription_buyer", "status": "new"}]}
    row = f.lookup(check(codes=["B1", "B2", "B1"], drugs=["XHV", "OTHER"]), leads)
    assert [b["code"] for b in row["sold_boxes"]] == ["B1"]
    assert row["sold_boxes"][0]["sold_at"] == datetime(2025, 3, 1, 10, 0)
    # 3 boxes at 0.1 a day: 30 days from 2025-03-01 09:10
    assert [s["supply_until"] for s in row["in_supply"]] == [datetime(2025, 3, 31, 9, 10)]
    assert row["last_visit"]["inst"] == "QD" and row["last_visit"]["km"] > 300
    assert row["leads"] == leads["P1"] and row["death_date"] is None
    assert f.lookup(check(psn_no="DEAD"), {})["death_date"] == date(2025, 5, 10)
    # the insurance region, by which a counter of another region is told less
    assert row["insu_admdvs"] == "370102"
    assert f.lookup(check(psn_no="DEAD"), {})["insu_admdvs"] is None
    # before the QD visit the last one is JN (the same place: 0 km); from an online
    # platform there is no travel at all
    assert f.lookup(check(setl_time="2025-03-05T00:00:00"), {})["last_visit"]["inst"] == "JN"
    assert f.lookup(check(fixmedins_code="WEB"), {})["last_visit"] is None
    # only lines of settlements that began before now count: at 09:00 on 03-01 the
    # line of that morning is not yet there; a line without a time gives no supply
    assert f.lookup(check(psn_no="P2", drugs=["XHV"]), {})["in_supply"] == []
    assert f.lookup(check(setl_time="2025-03-01T09:00:00", drugs=["XHV"]), {})["in_supply"] == []
    f.close()


class FakeGateway:
    """The two reads the keeper makes, answered from attributes the test sets."""

    def __init__(self) -> None:
        self.data: str | None = "D1"
        self.leads: str | None = "L1"
        self.members = [
            {"psn_no": "P1", "lead_id": "X", "typology": "card_pooling", "status": "new"}
        ]
        self.down = False
        self.writing = False
        self.member_reads = 0
        self.during_read: Any = None

    def read(self, name: str, params: Mapping[str, Any] | None = None, **kw: Any) -> list[Any]:
        if self.down:
            raise GraphUnavailable("down")
        if name == "check_generations":
            return [{"data": self.data, "leads": self.leads, "writing": self.writing}]
        if name == "checkfacts_open_leads":
            self.member_reads += 1
            if self.during_read is not None:
                self.during_read()
            return list(self.members)
        raise AssertionError(name)


@pytest.fixture
def keeper(tmp_path: Path) -> FactsKeeper:
    make_file(tmp_path / "f.sqlite", "D1")
    k = FactsKeeper(
        FakeGateway(),
        tmp_path / "f.sqlite",
        poll_s=0.1,
        builder_env={},
        start=False,  # type: ignore[arg-type]
    )
    k.builds: list[int] = []  # type: ignore[misc]
    k._start_build = lambda: k.builds.append(1)  # type: ignore[attr-defined,method-assign,misc]
    return k


def test_the_file_answers_only_under_the_graphs_tokens(keeper: FactsKeeper) -> None:
    gw: FakeGateway = keeper.gw  # type: ignore[assignment]
    assert keeper.current() is None  # nothing read yet
    keeper.poll()
    model = keeper.current()
    assert model is not None and model[0].token == "D1" and "P1" in model[1]
    assert keeper.builds == []  # type: ignore[attr-defined]
    # an ingest renewed the data token: the file stops answering, and a build starts
    gw.data = "D2"
    keeper.poll()
    assert keeper.current() is None and keeper.builds == [1]  # type: ignore[attr-defined]
    gw.data = "D1"  # (a restore of the same state: the file is that state again)
    keeper.poll()
    assert keeper.current() is not None


def test_leads_are_read_again_when_their_token_moves(keeper: FactsKeeper) -> None:
    gw: FakeGateway = keeper.gw  # type: ignore[assignment]
    keeper.poll()
    keeper.poll()
    assert gw.member_reads == 1  # unchanged token: not read again
    keeper.leads_changed()  # a write through this worker
    assert keeper.current() is None
    gw.members = []
    gw.leads = "L2"
    keeper.poll()
    model = keeper.current()
    assert model is not None and model[1] == {} and gw.member_reads == 2


def test_no_answer_from_the_file_when_the_tokens_cannot_be_read(keeper: FactsKeeper) -> None:
    gw: FakeGateway = keeper.gw  # type: ignore[assignment]
    keeper.poll()
    gw.down = True
    with pytest.raises(GraphUnavailable):
        keeper.poll()
    assert keeper.current() is None
    gw.down = False
    keeper.poll()
    assert keeper.current() is not None


def test_nothing_is_built_or_used_while_an_ingest_writes(keeper: FactsKeeper) -> None:
    gw: FakeGateway = keeper.gw  # type: ignore[assignment]
    keeper.poll()
    assert keeper.current() is not None
    gw.data, gw.writing = "D2", True  # the token an ingest sets before it writes
    keeper.poll()
    keeper.poll()
    assert keeper.current() is None and keeper.builds == []  # type: ignore[attr-defined]
    gw.data, gw.writing = "D3", False  # ... and the one it sets when it ends
    keeper.poll()
    assert keeper.current() is None and keeper.builds == [1]  # type: ignore[attr-defined]


def test_members_read_across_a_write_of_this_worker_are_not_taken(keeper: FactsKeeper) -> None:
    gw: FakeGateway = keeper.gw  # type: ignore[assignment]
    gw.during_read = keeper.leads_changed  # the worker writes while the members are read
    keeper.poll()
    assert keeper.current() is None
    gw.during_read = None
    keeper.poll()
    assert keeper.current() is not None and gw.member_reads == 2
