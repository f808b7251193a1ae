"""The messages an HIS sends to the platform's interfaces, read as they come.

The envelope (``infno``, ``msgid``, ``fixmedins_code``, ``inf_time``, ``input``, ...)
and the ``input`` of 3101/3102 (``data`` with ``trig_scen``, ``rule_ids``, ``task_id``
and ``patient_dtos[]`` → ``fsi_encounter_dtos[]`` → ``fsi_order_dtos[]``), of 3103
(``data`` with ``warn_type`` and ``warns[]``) and of 3505 (``selinfo`` with
``drugtracinfo[]``).

Tolerant of what senders do in the wild: numbers as numbers or text, ``rule_ids`` as a
list, ``""``, a comma-separated text or an object, the dto lists beside ``data`` instead
of inside it, a single dto where a list belongs, catalogue codes longer than the
documented 20 characters. Strict about what is missing: each absent or unreadable
required field is a :class:`MessageError` whose text names it (``err_msg``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

INTERFACES = ("3101", "3102", "3103", "3505")
MAX_CODE = 64  # the check's own limit on a catalogue or institution code
MAX_BOXES = 500


class MessageError(ValueError):
    """The message cannot be answered; ``str()`` is the ``err_msg`` (Chinese first)."""


@dataclass(frozen=True)
class Envelope:
    infno: str
    msgid: str
    fixmedins_code: str
    inf_time: datetime
    input: dict[str, Any]
    fields: dict[str, Any]  # the rest, as sent (opter, mdtrtarea_admvs, ...)


@dataclass(frozen=True)
class Order:
    rx_id: str
    hilist_code: str
    cnt: float | None
    sumamt: float | None
    boxes: tuple[str, ...]


@dataclass(frozen=True)
class Encounter:
    mdtrt_id: str
    medins_id: str
    dr_codg: str | None
    psn_no: str | None  # a psn_no field beside patn_id, if the sender gave one
    orders: tuple[Order, ...]
    medfee_sumamt: float | None


@dataclass(frozen=True)
class Patient:
    patn_id: str
    psn_no: str | None
    encounters: tuple[Encounter, ...]


@dataclass(frozen=True)
class Analysis:
    """The input of a 3101 or 3102."""

    trig_scen: int
    task_id: str | None
    syscode: str | None
    rule_ids: frozenset[str]
    patients: tuple[Patient, ...]


@dataclass(frozen=True)
class Feedback:
    """The input of a 3103: what the institution did with each warning."""

    warn_type: int
    warns: tuple[dict[str, Any], ...]  # warn_rslt_id, dspo_way (1 or 2), dspo_way_rea


@dataclass(frozen=True)
class Sale:
    """The input of a 3505: the boxes about to be sold."""

    psn_no: str | None
    boxes: tuple[str, ...]
    price: float | None
    med_list_codg: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# -- the small readers ------------------------------------------------------------------
def text(v: Any) -> str | None:
    """A text field sent as text or number; None when absent or blank."""
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, int | float | str):
        s = str(v).strip()
        return s or None
    return None


def need(obj: dict[str, Any], key: str, where: str, *, max_len: int = MAX_CODE) -> str:
    s = text(obj.get(key))
    if s is None:
        raise MessageError(f"缺少 {where}{key}(missing {where}{key})")
    if len(s) > max_len:
        raise MessageError(f"{where}{key} 超过 {max_len} 个字符({where}{key} too long)")
    return s


def optional(obj: dict[str, Any], key: str, where: str, *, max_len: int = MAX_CODE) -> str | None:
    s = text(obj.get(key))
    if s is not None and len(s) > max_len:
        raise MessageError(f"{where}{key} 超过 {max_len} 个字符({where}{key} too long)")
    return s


def number(v: Any, name: str) -> float | None:
    """A number sent as a number or as text ("12.50"); None when absent or blank."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        raise MessageError(f"{name} 不是数字({name} is not a number)")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise MessageError(f"{name} 不是数字:{str(v)[:40]}({name} is not a number)") from None
    if x != x or x in (float("inf"), float("-inf")):
        raise MessageError(f"{name} 不是数字({name} is not a number)")
    return x


def integer(obj: dict[str, Any], key: str, where: str, allowed: range) -> int:
    x = number(obj.get(key), where + key)
    if x is None:
        raise MessageError(f"缺少 {where}{key}(missing {where}{key})")
    if not x.is_integer() or int(x) not in allowed:
        raise MessageError(
            f"{where}{key} 取值应为 {allowed.start}-{allowed.stop - 1}({where}{key} out of range)"
        )
    return int(x)


def dtos(parent: dict[str, Any], key: str, where: str, *, required: bool = True) -> list[Any]:
    """A list of dtos; a single dto where a list belongs is taken as a list of one."""
    v = parent.get(key)
    if isinstance(v, dict):
        v = [v]
    if v is None or v == "" or v == []:
        if required:
            raise MessageError(f"缺少 {where}{key}(missing {where}{key})")
        return []
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise MessageError(f"{where}{key} 应为对象数组({where}{key} must be a list of objects)")
    return v


def when(v: Any, name: str) -> datetime:
    """A time as the platform writes it: ``2025-03-12 11:00:00`` (or ISO, or a date)."""
    s = text(v)
    if s is None:
        raise MessageError(f"缺少 {name}(missing {name})")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(s).replace(tzinfo=None)
    except ValueError:
        raise MessageError(f"{name} 不是时间:{s[:40]}({name} is not a time)") from None


def rule_ids(v: Any) -> frozenset[str]:
    """``[]``, ``""``, ``"a,b"``, ``["a", "b"]`` or ``{"a": ...}``: the ids asked for."""
    if v is None or v == "":
        return frozenset()
    if isinstance(v, dict):
        v = list(v)
    if isinstance(v, str):
        v = v.strip().strip("[]").replace(";", ",").split(",")
    if not isinstance(v, list):
        v = [v]
    return frozenset(s.strip().strip("\"'") for x in v if (s := text(x)) and s.strip("\"'"))


# -- the envelope -----------------------------------------------------------------------
def envelope(raw: bytes, infno: str) -> Envelope:
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise MessageError("报文不是合法的 JSON(the body is not JSON)") from None
    if not isinstance(body, dict):
        raise MessageError("报文应为 JSON 对象(the body must be a JSON object)")
    sent = text(body.get("infno"))
    if sent is None:
        raise MessageError("缺少 infno(missing infno)")
    if sent != infno:
        raise MessageError(f"infno {sent[:8]} 与地址 /hsa/{infno} 不符(infno does not match)")
    msgid = need(body, "msgid", "", max_len=64)
    code = need(body, "fixmedins_code", "")
    inf_time = when(body.get("inf_time"), "inf_time")
    inp = body.get("input")
    if isinstance(inp, str) and inp.strip():
        try:
            inp = json.loads(inp)  # input sent as JSON text
        except ValueError:
            raise MessageError(
                "input 无法解析,本服务不接受加密(SM4)报文,请以明文 JSON 发送"
                "(input is not JSON; encrypted input is not accepted)"
            ) from None
    if not isinstance(inp, dict) or not inp:
        raise MessageError("缺少 input(missing input)")
    rest = {k: v for k, v in body.items() if k not in ("input",)}
    return Envelope(infno, msgid, code, inf_time, inp, rest)


def _data(inp: dict[str, Any], lists: tuple[str, ...]) -> dict[str, Any]:
    """``input.data``, with dto lists and fields that a sender put beside it."""
    data = inp.get("data")
    if isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict):
        data = data[0]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise MessageError("input.data 应为对象(input.data must be an object)")
    merged = {k: v for k, v in inp.items() if k != "data"}
    merged.update({k: v for k, v in data.items() if v not in (None, "", [])})
    for k in lists:  # a list inside data wins; an empty one there gives way to one beside
        if data.get(k) in (None, "", []) and inp.get(k) not in (None, "", []):
            merged[k] = inp[k]
    return merged


def _boxes(v: Any, where: str) -> tuple[str, ...]:
    """Traceability codes: ``[{"drug_trac_codg": ..}]``, ``["..", ..]`` or ``"a,b"``."""
    out: list[str] = []
    items = v if isinstance(v, list) else [v]
    for x in items:
        if isinstance(x, dict):
            x = x.get("drug_trac_codg")
        if isinstance(x, list):
            out += [s for y in x if (s := text(y))]
        elif (s := text(x)) is not None:
            out += [c.strip() for c in s.replace(";", ",").split(",") if c.strip()]
    if len(out) > MAX_BOXES:
        raise MessageError(f"{where} 追溯码超过 {MAX_BOXES} 个(too many traceability codes)")
    for c in out:
        if len(c) > 100:
            raise MessageError(f"{where} 追溯码过长:{c[:30]}…(traceability code too long)")
    return tuple(dict.fromkeys(out))


def analysis(inp: dict[str, Any]) -> Analysis:
    d = _data(inp, ("patient_dtos", "fsi_encounter_dtos"))
    trig = integer(d, "trig_scen", "input.data.", range(1, 11))
    pats = dtos(d, "patient_dtos", "input.data.")
    patients = []
    for i, p in enumerate(pats):
        w = f"patient_dtos[{i}]."
        patn_id = need(p, "patn_id", w)
        encs = dtos(p, "fsi_encounter_dtos", w, required=False)
        if not encs and len(pats) == 1:
            encs = dtos(d, "fsi_encounter_dtos", w)  # beside the patient, from some senders
        if not encs:
            raise MessageError(f"缺少 {w}fsi_encounter_dtos(missing {w}fsi_encounter_dtos)")
        current = text(p.get("curr_mdtrt_id"))
        encounters = []
        for j, e in enumerate(encs):
            we = f"{w}fsi_encounter_dtos[{j}]."
            mdtrt_id = need(e, "mdtrt_id", we)
            if current is not None and mdtrt_id != current:
                continue  # an earlier encounter sent as history: not the one to check
            orders = []
            for k, o in enumerate(dtos(e, "fsi_order_dtos", we, required=False)):
                wo = f"{we}fsi_order_dtos[{k}]."
                flag = text(o.get("curr_drord_flag"))
                if flag == "0":
                    continue  # an order of an earlier day, sent as history
                cnt, pric = number(o.get("cnt"), wo + "cnt"), number(o.get("pric"), wo + "pric")
                if cnt is not None and not 0 <= cnt <= 10_000:
                    raise MessageError(f"{wo}cnt 超出范围({wo}cnt out of range)")
                amt = number(o.get("sumamt"), wo + "sumamt")
                if amt is None and cnt is not None and pric is not None:
                    amt = round(cnt * pric, 2)
                boxes = _boxes(o.get("drugtracinfo") or o.get("drug_trac_codg") or [], wo)
                orders.append(
                    Order(
                        rx_id=optional(o, "rx_id", wo) or str(k + 1),
                        hilist_code=need(o, "hilist_code", wo),
                        cnt=cnt,
                        sumamt=amt,
                        boxes=boxes,
                    )
                )
            encounters.append(
                Encounter(
                    mdtrt_id=mdtrt_id,
                    medins_id=optional(e, "medins_id", we) or "",
                    dr_codg=optional(e, "dr_codg", we),
                    psn_no=optional(e, "psn_no", we),
                    orders=tuple(orders),
                    medfee_sumamt=number(e.get("medfee_sumamt"), we + "medfee_sumamt"),
                )
            )
        if not encounters:
            raise MessageError(
                f"{w}curr_mdtrt_id {current} 不在 fsi_encounter_dtos 中"
                "(curr_mdtrt_id matches no encounter)"
            )
        patients.append(Patient(patn_id, optional(p, "psn_no", w), tuple(encounters)))
    return Analysis(
        trig_scen=trig,
        task_id=text(d.get("task_id")),
        syscode=text(d.get("syscode")),
        rule_ids=rule_ids(d.get("rule_ids")),
        patients=tuple(patients),
    )


def feedback(inp: dict[str, Any]) -> Feedback:
    d = _data(inp, ("warns",))
    warn_type = integer(d, "warn_type", "input.data.", range(1, 3))
    warns = []
    for i, w in enumerate(dtos(d, "warns", "input.data.")):
        where = f"warns[{i}]."
        way = integer(w, "dspo_way", where, range(1, 3))
        warns.append(
            {
                "warn_rslt_id": need(w, "warn_rslt_id", where),
                "dspo_way": way,
                "dspo_way_rea": optional(w, "dspo_way_rea", where, max_len=500),
            }
        )
    return Feedback(warn_type, tuple(warns))


def sale(inp: dict[str, Any]) -> Sale:
    d = _data(inp, ("selinfo", "drugtracinfo"))
    sel = d.get("selinfo")
    if isinstance(sel, list):
        sel = sel[0] if len(sel) == 1 and isinstance(sel[0], dict) else None
        if sel is None:
            raise MessageError("input.selinfo 应为一个对象(input.selinfo must be one object)")
    if sel is None:
        sel = d
    if not isinstance(sel, dict):
        raise MessageError("缺少 input.selinfo(missing input.selinfo)")
    boxes = _boxes(sel.get("drugtracinfo") or d.get("drugtracinfo") or [], "input.selinfo.")
    if not boxes:
        raise MessageError("缺少 input.selinfo.drugtracinfo[].drug_trac_codg(missing drugtracinfo)")
    return Sale(
        psn_no=optional(sel, "psn_no", "input.selinfo."),
        boxes=boxes,
        price=number(sel.get("finl_trns_pric"), "input.selinfo.finl_trns_pric"),
        med_list_codg=optional(sel, "med_list_codg", "input.selinfo."),
    )
