"""Boundary validation: typed values, every error of a row, fixed reasons."""

from __future__ import annotations

import datetime as dt

from fraudrings.ingest.validate import SPECS, reason_of, validate, warnings_of


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


# --- a box movement is (code, type, time): an unknown party is no reason to lose it ------
def movement(**kw: str) -> dict[str, str]:
    row = {
        "drug_trac_codg": "81234567890123456789",
        "med_list_codg": "XL01XC001",
        "event_type": "sale",
        "event_time": "2025-03-02 10:00:00",
        "from_code": "P37010200001",
        "to_code": "",
        "setl_id": "",
        "manu_lotnum": "L1",
    }
    row.update(kw)
    return row


def test_a_cash_sale_to_an_unknown_buyer_is_valid() -> None:
    clean, probs = validate(SPECS["trace_events"], movement())
    assert probs == []
    assert clean["from_code"] == "P37010200001"
    assert "to_code" not in clean and "setl_id" not in clean  # unknown: no value at all


def test_any_movement_may_name_no_party() -> None:
    for et in ("sale", "return", "transfer", "supplier_return", "recall", "purchase"):
        assert validate(SPECS["trace_events"], movement(event_type=et))[1] == [], et
        assert validate(SPECS["trace_events"], movement(event_type=et, from_code=""))[1] == []
        _, probs = validate(SPECS["trace_events"], movement(event_type=et, to_code="  "))
        assert probs == [], et


def test_a_movement_without_its_own_key_is_quarantined() -> None:
    _, probs = validate(SPECS["trace_events"], movement(drug_trac_codg=""))
    assert reason_of(probs) == "missing_key"
    _, probs = validate(SPECS["trace_events"], movement(event_type=""))
    assert reason_of(probs) == "missing_value"
    _, probs = validate(SPECS["trace_events"], movement(event_time=""))
    assert reason_of(probs) == "missing_value"
    _, probs = validate(SPECS["trace_events"], movement(event_time="2025-03-32 10:00:00"))
    assert reason_of(probs) == "bad_date"
    _, probs = validate(SPECS["trace_events"], movement(drug_trac_codg="81-23"))
    assert reason_of(probs) == "bad_code"


# --- money: a cent below zero is rounding (kept, a warning), more is negative_value -------
def test_a_cent_below_zero_is_rounding_kept_as_given_with_a_warning() -> None:
    row = settlement(medfee_sumamt="100.00", fund_pay_sumamt="100.01", psn_cash_pay="-0.01")
    clean, probs = validate(SPECS["settlements"], row)
    assert probs == []
    assert clean["psn_cash_pay"] == -0.01  # stored as given, not clamped
    assert [r for r, _ in warnings_of(clean)] == ["rounding_cent"]
    assert "psn_cash_pay" in warnings_of(clean)[0][1]


def test_rounding_applies_to_every_money_column_of_settlements() -> None:
    cols = [c.name for c in SPECS["settlements"].cols if c.kind == "money"]
    assert len(cols) == 7
    for col in cols:
        clean, probs = validate(SPECS["settlements"], settlement(**{col: "-0.01"}))
        assert probs == [] and clean[col] == -0.01, col
        assert [r for r, _ in warnings_of(clean)] == ["rounding_cent"], col


def test_more_than_a_cent_below_zero_stays_negative() -> None:
    for v in ("-0.02", "-0.011", "-0.0101", "-1", "-10.50"):
        clean, probs = validate(SPECS["settlements"], settlement(psn_cash_pay=v))
        assert reason_of(probs) == "negative_value", v
        assert warnings_of(clean) == []


def test_zero_and_a_negative_zero_carry_no_warning() -> None:
    for v in ("0", "0.00", "-0.00"):
        clean, probs = validate(SPECS["settlements"], settlement(psn_cash_pay=v))
        assert probs == [] and warnings_of(clean) == [], v


def test_two_cent_roundings_in_one_row_are_two_warnings_of_one_reason() -> None:
    clean, probs = validate(
        SPECS["settlements"], settlement(psn_cash_pay="-0.01", acct_pay="-0.01")
    )
    assert probs == []
    assert [r for r, _ in warnings_of(clean)] == ["rounding_cent", "rounding_cent"]


def test_a_refund_keeps_its_full_negative_amounts_without_a_warning() -> None:
    row = settlement(
        medfee_sumamt="-2800.00",
        fund_pay_sumamt="-2000.00",
        psn_cash_pay="-300.00",
        refd_setl_flag="1",
        refd_setl_id="S0",
    )
    clean, probs = validate(SPECS["settlements"], row)
    assert probs == [] and warnings_of(clean) == []
    assert clean["medfee_sumamt"] == -2800.0
    line = {
        "feedetl_sn": "F2",
        "setl_id": "S1",
        "med_list_codg": "X",
        "cnt": "-1",
        "pric": "2800.00",
        "det_item_fee_sumamt": "-2800.00",
        "init_feedetl_sn": "F1",
    }
    clean, probs = validate(SPECS["fee_details"], line)
    assert probs == [] and warnings_of(clean) == []


def test_fee_line_money_rounds_but_a_count_does_not() -> None:
    base = {"feedetl_sn": "F1", "setl_id": "S1", "med_list_codg": "X", "cnt": "1"}
    for col in ("pric", "det_item_fee_sumamt"):
        clean, probs = validate(SPECS["fee_details"], {**base, col: "-0.01"})
        assert probs == [] and clean[col] == -0.01, col
        assert [r for r, _ in warnings_of(clean)] == ["rounding_cent"]
        _, probs = validate(SPECS["fee_details"], {**base, col: "-0.02"})
        assert reason_of(probs) == "negative_value", col
    _, probs = validate(SPECS["fee_details"], {**base, "cnt": "-0.01"})
    assert reason_of(probs) == "negative_value"  # a count is not money


def test_a_reference_price_is_not_a_settlement_amount() -> None:
    _, probs = validate(SPECS["drugs"], {"med_list_codg": "X", "pric_ref": "-0.01"})
    assert reason_of(probs) == "negative_value"


def test_warnings_do_not_become_properties() -> None:
    from fraudrings.ingest.loader import _t_settlements

    clean, _ = validate(SPECS["settlements"], settlement(psn_cash_pay="-0.01"))
    assert not any(k.startswith("_") for k in _t_settlements(clean)["props"])
