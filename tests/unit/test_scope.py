"""Evidence lines and audit rows as a region may read them (fraudrings/casework/scope.py),
without a graph: the lines are in the detectors' own formats, what the region sees is
given."""

from __future__ import annotations

from fraudrings.casework.scope import (
    WITHHELD,
    Visible,
    apply_scope,
    lead_ids_of,
    named,
    without_foreign_leads,
)

# Jinan sees SETL-1 (its hospital) and P001 whole, P004 as a party; P003 and SETL-6
# are Qingdao's alone.
VIS = Visible(
    settlements=frozenset({"SETL-1", "SETL-5"}),
    boxes=frozenset({"81000000000000000001"}),
    persons=frozenset({"P001", "P003", "P004"}),
    persons_seen=frozenset({"P001", "P004"}),
)


def test_a_line_about_a_settlement_or_box_the_region_may_not_see_is_withheld() -> None:
    lines = [
        "settlement:SETL-1 wave 1 P001 at H370100000001 admitted 2025-01-06 09:00 "
        "discharged 2025-01-09 dx J18 dr D1",
        "settlement:SETL-6 wave 1 P004 at H370200000001 admitted 2025-02-12 09:00 "
        "discharged 2025-02-15 dx F32 dr D2",
        # impossible travel: either settlement hidden withholds the pair
        "settlement:SETL-5 2025-02-10 09:00 at H370100000001 -> settlement:SETL-6 "
        "2025-02-10 10:00 at H370200000001: 300 km in 1.0 h (needs 3.5 h)",
        "box:81000000000000000002 sale:E5 (2025-01-20 to P003, setl SETL-3) -> resale:E9 "
        "(2025-02-01 by H370200000001 to P003, setl SETL-9)",
    ]
    out = apply_scope(lines, VIS)
    assert out.lines == [lines[0]]
    assert out.withheld == 3
    assert not any("SETL-6" in x or "F32" in x for x in out.lines)


def test_a_short_person_number_is_looked_up_too() -> None:
    ids = named(
        ["pattern:K1 drug XHV (某靶向药) 120 boxes", "link:K2 phone 13800000001 on records of K3"]
    )
    assert {"K1", "K2", "K3"} <= ids.words
    vis = Visible(persons=frozenset({"K1", "K3"}), persons_seen=frozenset({"K1"}))
    out = apply_scope(["pattern:K1 drug XHV", "settlement:S1 K3 at H1"], vis)
    assert out.lines == ["pattern:K1 drug XHV"] and out.withheld == 1


def test_a_line_about_a_person_the_region_may_not_see_is_withheld() -> None:
    lines = [
        "person:P003 death_date 2024-12-01",
        "pattern:P003 drug XHV001 (高值药甲) 9 boxes = 270 days of supply in 60 days, ratio 4.5",
        "link:P001<->P003 shared phone:13987654321",
        "link:P003 phone 13987654321 on records of P001",
        "pattern:P004 drug XHV001 (高值药甲) 4 boxes = 120 days of supply in 30 days, ratio 4.0",
        "link:P001<->P004 shared address:山东省济南市历下区某路1号",
    ]
    out = apply_scope(lines, VIS)
    # a party of a treatment in the region is named; a person it may not see is not
    assert out.lines == lines[4:]
    assert out.withheld == 4


def test_other_persons_and_settlements_in_a_kept_line_are_replaced() -> None:
    lines = [
        "link:P001 phone 13812345678 on records of P003, P004",
        "box:81000000000000000001 sale:E2 (2025-01-06 to P003, setl SETL-6) -> resale:E3 "
        "(2025-02-01 by P370100000002 to P001, setl SETL-1)",
        "box:81000000000000000001 sale:E2 (2025-01-06 to P001, setl None) -> resale:E3 "
        "(2025-02-01 by P370100000002 to P001, setl SETL-1)",
    ]
    out = apply_scope(lines, VIS)
    assert out.withheld == 0
    assert out.lines[0] == f"link:P001 phone 13812345678 on records of {WITHHELD}, P004"
    assert out.lines[1] == (
        f"box:81000000000000000001 sale:E2 (2025-01-06 to {WITHHELD}, setl {WITHHELD}) -> "
        "resale:E3 (2025-02-01 by P370100000002 to P001, setl SETL-1)"
    )
    assert out.lines[2] == lines[2]  # an id that names no person stays as it is


def test_named_finds_settlements_boxes_and_candidate_persons() -> None:
    ids = named(
        [
            "settlement:SETL-1 2025-01-06 09:00 P001 at H370100000001 XHV001 x1.0 dr D1",
            "box:81000000000000000001 sale:E2 (2025-01-06 to P003, setl SETL-4) -> x",
            "link:P001<->P002 shared phone:13812345678",
        ]
    )
    assert ids.settlements == {"SETL-1", "SETL-4"}
    assert ids.boxes == {"81000000000000000001"}
    assert {"P001", "P002", "P003", "H370100000001"} <= ids.words
    assert "2025-01-06" not in ids.words


def test_audit_rows_lose_the_names_of_leads_the_region_does_not_own() -> None:
    rows = [
        {"id": 1, "entity_ids": ["person:P003", "institution:H370200000001", "lead:LD-JN-3"]},
        {"id": 2, "entity_ids": ["lead:LD-QD-1", "person:P003"]},
        {"id": 3, "entity_ids": []},
    ]
    assert lead_ids_of(rows) == {"LD-JN-3", "LD-QD-1"}
    out = without_foreign_leads(rows, frozenset({"LD-QD-1"}))
    assert out[0]["entity_ids"] == ["person:P003", "institution:H370200000001"]
    assert out[1] is rows[1] and out[2] is rows[2]
    assert rows[0]["entity_ids"][-1] == "lead:LD-JN-3"  # the stored row is not changed
