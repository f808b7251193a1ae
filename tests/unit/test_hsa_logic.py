"""The national interface below the API: the rule library's validation and its table in
docs/check.md, and the tolerant reading of messages (tests/data/hsa)."""

from __future__ import annotations

import copy
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from fraudrings.api.hsa import messages as m
from fraudrings.api.hsa import rules

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "hsa"


def shipped() -> dict[str, Any]:
    text = resources.files("fraudrings.api.hsa").joinpath("rules.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_docs_list_every_rule_as_the_library_says() -> None:
    doc = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- rules:begin -->\n(.*?)<!-- rules:end -->", doc, re.S)
    assert table is not None
    assert table.group(1) == rules.markdown()
    for r in rules.load().rules:
        assert f"| {r.id} | `{r.check}` |" in doc


def test_the_library_words_every_warning_of_the_check_once() -> None:
    lib = rules.load()
    assert sorted(r.check for r in lib.rules) == sorted(rules.CHECK_FIELDS)
    travel = lib.by_check("impossible_travel")
    full = {"last_setl_id": "S", "last_institution": "P1", "km": 301.4, "hours": 1.0}
    assert "301 公里" in travel.text({**full, "hours_needed": 4.3})
    assert travel.text({}) == travel.brief  # another region's person: no place, no time


@pytest.mark.parametrize(
    ("change", "fault"),
    [
        (lambda d: d["rules"][0].update(template="{secret}"), "not in the reason"),
        (lambda d: d["rules"][0].update(sev_deg="7"), "sev_deg"),
        (lambda d: d["rules"][1].update(stages=["after"]), "stages"),
        (lambda d: d["rules"].pop(), "exactly one rule"),
        (lambda d: d["rules"][1].update(id="FR1001"), "repeat"),
        (lambda d: d["rules"][0].pop("basis"), "keys"),
        (lambda d: d["dictionaries"].pop("vola_amt_stas"), "dictionaries"),
        (lambda d: d["rules"][2].update(brief="参保人已于 {death_date} 死亡"), "brief"),
    ],
)
def test_a_bad_library_stops_the_start(change: Any, fault: str) -> None:
    data = copy.deepcopy(shipped())
    change(data)
    with pytest.raises(rules.RuleLibraryError, match=fault):
        rules.parse(data)


def test_another_library_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = resources.files("fraudrings.api.hsa").joinpath("rules.toml").read_text("utf-8")
    f = tmp_path / "rules.toml"
    f.write_text(text.replace('"3" = "提示:请关注"', '"3" = "提示"'), encoding="utf-8")
    monkeypatch.setenv(rules.ENV, str(f))
    assert rules.load().dictionaries["sev_deg"]["3"] == "提示"
    f.write_text("not toml [", encoding="utf-8")
    with pytest.raises(rules.RuleLibraryError):
        rules.load()


def envelope(name: str) -> m.Envelope:
    body = json.loads((DATA / name).read_text(encoding="utf-8"))
    return m.envelope(json.dumps(body).encode(), str(body["infno"]))


def test_messages_as_his_send_them() -> None:
    a = m.analysis(envelope("3101_order_entry.json").input)
    assert a.trig_scen == 2 and a.rule_ids == frozenset()
    (enc,) = a.patients[0].encounters
    # the history order (curr_drord_flag 0) is left out; the long code is kept
    assert [(o.rx_id, o.hilist_code, o.cnt, o.sumamt) for o in enc.orders] == [
        ("RX-1", "XHV", 3.0, 3000.0),
        ("RX-2", "XA10BAA001A001010100000001", 2.0, 100.0),
    ]
    b = m.analysis(envelope("3102_settlement_lists_beside_data.json").input)
    assert b.trig_scen == 6 and b.task_id == "7" and b.patients[0].patn_id == "T1"
    assert [o.rx_id for o in b.patients[0].encounters[0].orders] == ["11", "12"]
    c = m.analysis(envelope("3102_his_id_with_psn_no.json").input)
    assert c.rule_ids == {"FR1003", "FR1005", "0401001"}
    assert (c.patients[0].patn_id, c.patients[0].psn_no) == ("HIS-0000123", "D2")
    s = m.sale(envelope("3505_resold_box.json").input)
    assert s.boxes == ("81000000000000000002", "81999999999999999998") and s.price == 1000.0
    f = m.feedback(envelope("3103_feedback.json").input)
    assert f.warn_type == 1 and [w["dspo_way"] for w in f.warns] == [1, 2]


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        ([], set()),
        ("", set()),
        ("FR1001,FR1004", {"FR1001", "FR1004"}),
        (["FR1001"], {"FR1001"}),
        ({"FR1002": 1}, {"FR1002"}),
        ('["FR1003"]', {"FR1003"}),
        (None, set()),
    ],
)
def test_rule_ids_in_every_form(raw: Any, ids: set[str]) -> None:
    assert m.rule_ids(raw) == ids


def test_missing_fields_are_named() -> None:
    body = json.loads((DATA / "3101_order_entry.json").read_text(encoding="utf-8"))
    body["input"]["data"]["patient_dtos"][0]["fsi_encounter_dtos"][0].pop("mdtrt_id")
    env = m.envelope(json.dumps(body).encode(), "3101")
    with pytest.raises(
        m.MessageError, match=r"patient_dtos\[0\]\.fsi_encounter_dtos\[0\]\.mdtrt_id"
    ):
        m.analysis(env.input)
    with pytest.raises(m.MessageError, match="SM4"):
        m.envelope(json.dumps({**body, "input": "a1b2c3" * 10}).encode(), "3101")
    with pytest.raises(m.MessageError, match="infno"):
        m.envelope(json.dumps(body).encode(), "3102")
