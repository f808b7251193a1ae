"""Boundary validation: typed values, every error of a row, fixed reasons."""

from __future__ import annotations

import datetime as dt

from ingest.validate import SPECS, reason_of, validate


def settlement(**kw: str) -> dict[str, str]:
    row = {
        "setl_id": "S1",
        "psn_no": "P1",
        "fixmedins_code": "H37010200001",
        "med_type": "41",
        "setl_time": "2025-01-02 10:01:00",
        "medfee_sumamt": "10.50",
        "refd_setl_flag": "0",
    }
    row.update(kw)
    return row


def test_good_row_is_typed() -> None:
    clean, probs = validate(SPECS["settlements"], settlement(begntime="2025-01-02"))
    assert probs == []
    assert clean["setl_time"] == dt.datetime(2025, 1, 2, 10, 1)
    assert clean["begntime"] == dt.datetime(2025, 1, 2)
    assert clean["medfee_sumamt"] == 10.5


def test_all_errors_of_a_row_are_collected() -> None:
    _, probs = validate(
        SPECS["settlements"],
        settlement(
            setl_id="",
            setl_time="2025-02-30 10:00:00",
            medfee_sumamt="-3",
            fixmedins_code="X1",
            hifp_pay="1,000",
        ),
    )
    reasons = sorted(r for r, _ in probs)
    assert reasons == ["bad_code", "bad_date", "bad_number", "missing_key", "negative_value"]
    assert reason_of(probs) == "multiple"


def test_negative_money_is_allowed_on_a_reversal_only() -> None:
    _, probs = validate(
        SPECS["settlements"], settlement(medfee_sumamt="-10.50", refd_setl_flag="1")
    )
    assert probs == []
    _, probs = validate(SPECS["settlements"], settlement(medfee_sumamt="-10.50"))
    assert reason_of(probs) == "negative_value"


def test_negative_count_on_a_fee_line() -> None:
    base = {"feedetl_sn": "F1", "setl_id": "S1", "med_list_codg": "X", "cnt": "-1"}
    assert reason_of(validate(SPECS["fee_details"], base)[1]) == "negative_value"
    assert validate(SPECS["fee_details"], {**base, "init_feedetl_sn": "F0"})[1] == []


def test_trace_codes_allow_long_codes_but_not_junk() -> None:
    ok = "8" + "1" * 19 + ";" + "A" * 100
    clean, probs = validate(
        SPECS["fee_details"],
        {"feedetl_sn": "F", "setl_id": "S", "med_list_codg": "X", "drug_trac_codg": ok},
    )
    assert probs == [] and len(clean["drug_trac_codg"]) == 2
    _, probs = validate(
        SPECS["fee_details"],
        {"feedetl_sn": "F", "setl_id": "S", "med_list_codg": "X", "drug_trac_codg": "A" * 101},
    )
    assert reason_of(probs) == "bad_code"


def test_unknown_columns_are_kept_not_errors() -> None:
    clean, probs = validate(SPECS["persons"], {"psn_no": "P1", "hobby": "chess", "": "x"})
    assert probs == [] and clean["_extra"] == {"hobby": "chess"}


def test_flags_and_enums() -> None:
    clean, probs = validate(SPECS["persons"], {"psn_no": "P", "psn_flags": "poverty; retired"})
    assert probs == [] and clean["psn_flags"] == ["poverty", "retired"]
    _, probs = validate(SPECS["persons"], {"psn_no": "P", "psn_flags": "vip"})
    assert reason_of(probs) == "bad_code"
    _, probs = validate(
        SPECS["trace_events"],
        {
            "drug_trac_codg": "8" * 20,
            "event_type": "teleport",
            "event_time": "2025-01-01 00:00:00",
            "from_code": "a",
            "to_code": "b",
        },
    )
    assert reason_of(probs) == "bad_code"
