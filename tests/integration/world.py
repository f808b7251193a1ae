"""A hand-built drop with known answers for the detectors, written as contract CSVs.

Rings (must be found):
- recycled_drug: box B1 sold by P_A to buyer A1, bought in again by supplier S_L into
  pharmacy P_R and sold to E1; box B2 from buyer A2 resold by P_R to E2.
- prescription_buyer: K1 collects drug XHV (10 days of supply a box) every 7 days,
  3 boxes at a time, from 5 doctors at 5 places (about 4 times what a dose needs).
- inpatient_recruitment: R1..R4 admitted to H_RING in 3 waves, short stays, same
  diagnosis; their phones point to recruiter RC.
Look-alikes (must not be flagged):
- box B3 sold to C1, returned, sold again to C2 (legitimate).
- chronic patient CH: 3 boxes of XHV every 30 days from one doctor (on time).
- family F1..F3 (shared phone and address) admitted together once.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

MINI = Path(__file__).resolve().parents[1] / "data" / "mini"
HEADERS = {
    name: (MINI / f"{name}.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    for name in (
        "persons",
        "institutions",
        "practitioners",
        "suppliers",
        "drugs",
        "settlements",
        "fee_details",
        "trace_events",
    )
}
T0 = datetime(2025, 1, 6, 9, 0, 0)
HV_PRICE = 1000.0


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


class World:
    def __init__(self, namespace: str = "") -> None:
        self.rows: dict[str, list[dict[str, str]]] = {k: [] for k in HEADERS}
        self.n = 0
        self.namespace = namespace  # keeps ids apart when two worlds share a database

    def _id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.namespace}{self.n:06d}"

    def person(
        self,
        psn: str,
        *,
        tel: str = "",
        addr: str = "",
        region: str = "370100",
        age: int = 60,
        flags: str = "",
        death: str = "",
    ) -> None:
        self.rows["persons"].append(
            {
                "psn_no": psn,
                "psn_name": "某*某",
                "gend": "1",
                "brdy": f"{2025 - age}-05-01",
                "certno": "370102********0000",
                "tel": tel,
                "addr": addr,
                "insutype": "390",
                "insu_admdvs": region,
                "psn_flags": flags,
                "death_date": death,
            }
        )

    def inst(
        self,
        code: str,
        kind: int,
        region: str = "370100",
        *,
        lat: float = 36.6,
        lon: float = 117.0,
        online: bool = False,
    ) -> None:
        self.rows["institutions"].append(
            {
                "fixmedins_code": code,
                "fixmedins_name": f"机构{code}",
                "fixmedins_type": str(kind),
                "hosp_lv": "2" if kind == 1 else "",
                "ownership": "private",
                "admdvs": region,
                "lat": str(lat),
                "lon": str(lon),
                "chain_code": "",
                "online": "1" if online else "0",
            }
        )

    def prac(self, code: str, inst: str) -> None:
        self.rows["practitioners"].append(
            {"prac_code": code, "prac_name": "某*医", "prac_type": "doctor", "fixmedins_code": inst}
        )

    def visit(
        self,
        psn: str,
        inst: str,
        t: datetime,
        *,
        med_type: str = "41",
        dr: str = "",
        lines: list[tuple[str, int, float, list[str]]] = (),
        days: float = 0.0,
        dise: str = "E11.9",
        fund_share: float = 0.7,
        terminal: str = "",
        cert: str = "01",
    ) -> str:
        setl = self._id("S")
        end = t + timedelta(days=days, minutes=20)
        total = sum(cnt * price for _, cnt, price, _ in lines) or 500.0
        fund = round(total * fund_share, 2)
        self.rows["settlements"].append(
            {
                "setl_id": setl,
                "mdtrt_id": self._id("M"),
                "psn_no": psn,
                "fixmedins_code": inst,
                "mdtrtarea_admvs": "370100",
                "med_type": med_type,
                "begntime": ts(t),
                "endtime": ts(end),
                "setl_time": ts(end),
                "medfee_sumamt": f"{total:.2f}",
                "fund_pay_sumamt": f"{fund:.2f}",
                "hifp_pay": f"{fund:.2f}",
                "hifmi_pay": "0",
                "maf_pay": "0",
                "acct_pay": "0",
                "psn_cash_pay": f"{total - fund:.2f}",
                "dise_codg": dise,
                "dr_codg": dr,
                "mdtrt_cert_type": cert,
                "terminal_id": terminal,
                "refd_setl_flag": "0",
                "refd_setl_id": "",
            }
        )
        for drug, cnt, price, codes in lines:
            self.rows["fee_details"].append(
                {
                    "feedetl_sn": self._id("F"),
                    "setl_id": setl,
                    "psn_no": psn,
                    "fee_ocur_time": ts(t),
                    "med_list_codg": drug,
                    "cnt": str(cnt),
                    "pric": f"{price:.2f}",
                    "det_item_fee_sumamt": f"{cnt * price:.2f}",
                    "bilg_dr_codg": dr,
                    "rxno": "",
                    "prd_days": "",
                    "drug_trac_codg": ";".join(codes),
                    "init_feedetl_sn": "",
                }
            )
        return setl

    def event(self, code: str, kind: str, t: datetime, frm: str, to: str, setl: str = "") -> None:
        self.rows["trace_events"].append(
            {
                "drug_trac_codg": code,
                "med_list_codg": "XHV",
                "event_type": kind,
                "event_time": ts(t),
                "from_code": frm,
                "to_code": to,
                "setl_id": setl,
                "manu_lotnum": "L1",
            }
        )

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for name, header in HEADERS.items():
            cols = header.split(",")
            with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as f:
                w = csv.DictWriter(f, fieldnames=cols, restval="")
                w.writeheader()
                w.writerows(self.rows[name])
        return folder


def build(folder: Path, *, extra_resale: bool = False) -> Path:
    w = World()
    for code, kind in (
        ("P37010000001", 2),
        ("P37010000002", 2),
        ("P37010000003", 2),
        ("H37010000001", 1),
        ("H37010000002", 1),
        ("H37010000003", 1),
        ("H37020000009", 1),
    ):
        w.inst(code, kind, "370200" if code.startswith("H3702") else "370100")
    for i, inst in enumerate(
        ("H37010000001", "H37010000002", "H37010000003", "P37010000001", "H37020000009")
    ):
        w.prac(f"D3701000000{i + 1}", inst)
    w.rows["suppliers"].append(
        {
            "entp_code": "91370100MA3CLAUND1",
            "entp_name": "某医药",
            "entp_type": "wholesaler",
            "admdvs": "370100",
        }
    )
    w.rows["suppliers"].append(
        {
            "entp_code": "91370100MA3CCLEAN2",
            "entp_name": "某正规医药",
            "entp_type": "wholesaler",
            "admdvs": "370100",
        }
    )
    w.rows["drugs"].append(
        {
            "med_list_codg": "XHV",
            "list_name": "某靶向药",
            "list_type": "drug",
            "pric_ref": f"{HV_PRICE:.2f}",
            "daily_units": "0.1",
            "key_monitored": "1",
        }
    )
    w.rows["drugs"].append(
        {
            "med_list_codg": "XBED",
            "list_name": "床位费",
            "list_type": "service",
            "pric_ref": "60.00",
            "daily_units": "",
            "key_monitored": "0",
        }
    )
    pa, pr, pc = "P37010000001", "P37010000002", "P37010000003"
    clean, laund = "91370100MA3CCLEAN2", "91370100MA3CLAUND1"

    # recycled chain
    for p in ("A1", "A2", "E1", "E2", "C1", "C2", "E3"):
        w.person(p)
    for box, seller, end, t in (
        ("81000000000000000001", "A1", "E1", T0),
        ("81000000000000000002", "A2", "E2", T0 + timedelta(days=3)),
    ):
        w.event(box, "purchase", t - timedelta(days=10), clean, pa)
        s1 = w.visit(seller, pa, t, dr="D37010000004", lines=[("XHV", 1, HV_PRICE, [box])])
        w.event(box, "sale", t, pa, seller, s1)
        if box.endswith("1"):
            w.event(box, "purchase", t + timedelta(days=4), laund, pr)
        s2 = w.visit(end, pr, t + timedelta(days=9), lines=[("XHV", 1, HV_PRICE, [box])])
        w.event(box, "sale", t + timedelta(days=9), pr, end, s2)
    # look-alike: return then resale
    box = "81000000000000000003"
    w.event(box, "purchase", T0, clean, pc)
    s1 = w.visit("C1", pc, T0 + timedelta(days=1), lines=[("XHV", 1, HV_PRICE, [box])])
    w.event(box, "sale", T0 + timedelta(days=1), pc, "C1", s1)
    w.event(box, "return", T0 + timedelta(days=3), "C1", pc)
    s2 = w.visit("C2", pc, T0 + timedelta(days=8), lines=[("XHV", 1, HV_PRICE, [box])])
    w.event(box, "sale", T0 + timedelta(days=8), pc, "C2", s2)

    # prescription buyer K1 and chronic patient CH
    w.person("K1")
    w.person("CH", flags="chronic_special")
    places = [
        ("H37010000001", "D37010000001"),
        ("H37010000002", "D37010000002"),
        ("H37010000003", "D37010000003"),
        ("P37010000001", "D37010000004"),
        ("H37020000009", "D37010000005"),
    ]
    for k in range(40):
        inst, dr = places[k % len(places)]
        w.visit(
            "K1",
            inst,
            T0 + timedelta(days=7 * k, hours=1),
            med_type="11" if inst[0] == "H" else "41",
            dr=dr,
            lines=[("XHV", 3, HV_PRICE, [])],
        )
    for k in range(11):
        w.visit(
            "CH",
            "H37010000001",
            T0 + timedelta(days=30 * k, hours=2),
            med_type="14",
            dr="D37010000001",
            lines=[("XHV", 3, HV_PRICE, [])],
        )

    # recruited inpatients at H_RING (a Qingdao hospital; they live in Jinan)
    ring = ["R1", "R2", "R3", "R4"]
    for p in ring:
        w.person(p, tel="13900000099", age=66, flags="poverty")
    w.person("RC", tel="13900000099", age=45)
    for wave in (0, 35, 80):
        for j, p in enumerate(ring):
            t = T0 + timedelta(days=wave, hours=2 * j)
            w.visit(
                p,
                "H37020000009",
                t,
                med_type="21",
                dr="D37010000005",
                days=3,
                dise="M54.5",
                lines=[("XBED", 3, 60.0, [])],
            )
    # family admitted once together
    for p in ("F1", "F2", "F3"):
        w.person(p, tel="13900000077", addr="济南市某路7号", age=40)
    for j, p in enumerate(("F1", "F2", "F3")):
        w.visit(
            p,
            "H37010000001",
            T0 + timedelta(days=50, hours=j),
            med_type="21",
            dr="D37010000001",
            days=4,
            dise="A09.9",
            lines=[("XBED", 4, 60.0, [])],
        )
    # added last, so every other id stays what it was in the smaller world
    if extra_resale:
        box = "81000000000000000004"
        w.event(box, "purchase", T0, clean, pa)
        s1 = w.visit("A2", pa, T0 + timedelta(days=40), lines=[("XHV", 1, HV_PRICE, [box])])
        s2 = w.visit("E3", pr, T0 + timedelta(days=50), lines=[("XHV", 1, HV_PRICE, [box])])
        del s1, s2
    return w.write(folder)


JINAN = (36.651, 117.120)
QINGDAO = (36.067, 120.383)
HANGZHOU = (30.274, 120.155)


def build_models(folder: Path) -> Path:
    """Known answers for the further models, with a look-alike of each.

    - deceased_claims: D1 (died 2025-03-01) buys at P_J on 03-10 and 04-02. Look-alike:
      D2 admitted 05-05, died 05-10, discharged and settled 05-12.
    - spatiotemporal: T1 seen in Jinan at 10:00 and in Qingdao (300 km) at 11:00, twice.
      Look-alikes: T2 in Jinan then an online platform in Hangzhou 30 minutes later;
      T3 in a Jinan hospital from 01-10 to 01-20, in Qingdao on 01-25.
    - card_pooling: terminal TPOOL at P_J: 3 evening bursts of 7 Qingdao residents in 30
      minutes with the same basket. Look-alike: terminal TBUSY at P_B: 3 morning rushes of
      6 regulars with different baskets. And the cards of 5 Qingdao residents F0-F4 used
      three times each at P_F in Jinan while they settle in Qingdao in between.
      Look-alikes: V0-V4 do the same but also see a Jinan doctor (they live there part of
      the year); N0-N4 settle at P_F three times and no longer at home (they moved).
    - split_admission: S1 readmitted to H_J 3 times within 2 days, same diagnosis.
      Look-alikes: S2 readmitted once; S3 on chemotherapy every 21 days.
    """
    w = World("M")
    w.inst("P37010000011", 2, lat=JINAN[0], lon=JINAN[1])
    w.inst("P37010000012", 2, lat=JINAN[0] + 0.01, lon=JINAN[1])
    w.inst("H37010000011", 1, lat=JINAN[0], lon=JINAN[1] + 0.01)
    w.inst("P37020000011", 2, "370200", lat=QINGDAO[0], lon=QINGDAO[1])
    w.inst("P33010000011", 2, "330100", lat=HANGZHOU[0], lon=HANGZHOU[1], online=True)
    w.prac("D37010000011", "H37010000011")
    w.rows["drugs"].append(
        {
            "med_list_codg": "XCOM",
            "list_name": "某常用药",
            "list_type": "drug",
            "pric_ref": "30.00",
            "daily_units": "0.1",
            "key_monitored": "0",
        }
    )
    w.rows["drugs"].append(
        {
            "med_list_codg": "XOTH",
            "list_name": "某其他药",
            "list_type": "drug",
            "pric_ref": "20.00",
            "daily_units": "0.1",
            "key_monitored": "0",
        }
    )
    pj, pb, hj, pq, online = (
        "P37010000011",
        "P37010000012",
        "H37010000011",
        "P37020000011",
        "P33010000011",
    )
    basket = [("XCOM", 2, 30.0, [])]
    # deceased
    w.person("D1", death="2025-03-01", age=85)
    w.visit("D1", pj, datetime(2025, 2, 10, 9), lines=basket)
    w.visit("D1", pj, datetime(2025, 3, 10, 9), lines=basket)
    w.visit("D1", pj, datetime(2025, 4, 2, 9), lines=basket)
    w.person("D2", death="2025-05-10", age=88)
    w.visit(
        "D2", hj, datetime(2025, 5, 5, 9), med_type="21", days=7, dise="I63.9", dr="D37010000011"
    )
    # travel
    w.person("T1")
    for day in (datetime(2025, 2, 3), datetime(2025, 3, 12)):
        w.visit("T1", hj, day.replace(hour=10), med_type="11", dr="D37010000011")
        w.visit("T1", pq, day.replace(hour=11), lines=basket)
    w.person("T2")
    w.visit("T2", hj, datetime(2025, 2, 5, 10), med_type="11", dr="D37010000011")
    w.visit("T2", online, datetime(2025, 2, 5, 10, 50), lines=basket)
    w.person("T3")
    w.visit(
        "T3", hj, datetime(2025, 1, 10, 10), med_type="21", days=10, dise="K80.2", dr="D37010000011"
    )
    w.visit("T3", pq, datetime(2025, 1, 25, 10), lines=basket)
    # card pooling
    lenders = [f"L{i}" for i in range(7)]
    for p in lenders:
        w.person(p, region="370200", age=75)
    for day in (5, 12, 19):
        for k, p in enumerate(lenders):
            w.visit(
                p, pj, datetime(2025, 6, day, 21, 4 * k), lines=basket, terminal="TPOOL", cert="03"
            )
    regulars = [f"G{i}" for i in range(6)]
    for p in regulars:
        w.person(p)
        for m in range(1, 6):
            w.visit(p, pb, datetime(2025, m, 15, 15), lines=basket, terminal="TBUSY2")
    for day in (6, 13, 20):
        for k, p in enumerate(regulars):
            items = [("XCOM", 1 + k % 3, 30.0, [])] if k % 2 else [("XOTH", 1 + k, 20.0, [])]
            w.visit(p, pb, datetime(2025, 6, day, 9, 5 * k), lines=items, terminal="TBUSY")
    # cards of another city kept at a Jinan pharmacy: each used there three times while
    # its holder settles at home in Qingdao in between
    pf = "P37010000013"
    w.inst(pf, 2, lat=JINAN[0] - 0.01, lon=JINAN[1])
    for i in range(5):
        p = f"F{i}"
        w.person(p, region="370200", age=60)
        for m in (3, 5, 7):
            w.visit(p, pf, datetime(2025, m, 2 + 3 * i, 10), lines=basket)
            w.visit(p, pq, datetime(2025, m + 1, 1 + 3 * i, 10), lines=basket)
    # look-alikes: Qingdao people living part of the year in Jinan (they see its doctors
    # too), and people who moved to Jinan (they no longer settle at home)
    for i in range(5):
        p = f"V{i}"
        w.person(p, region="370200", age=60)
        w.visit(p, hj, datetime(2025, 3, 1 + i, 9), med_type="11", dr="D37010000011")
        for m in (3, 5, 7):
            w.visit(p, pf, datetime(2025, m, 3 + 3 * i, 15), lines=basket)
            w.visit(p, pq, datetime(2025, m + 1, 2 + 3 * i, 15), lines=basket)
        p = f"N{i}"
        w.person(p, region="370200", age=60)
        w.visit(p, pq, datetime(2025, 1, 2 + 3 * i, 15), lines=basket)
        for m in (3, 5, 7):
            w.visit(p, pf, datetime(2025, m, 4 + 3 * i, 16), lines=basket)
    # split admissions
    w.person("S1")
    t = datetime(2025, 7, 1, 9)
    for _ in range(4):
        w.visit("S1", hj, t, med_type="21", days=3, dise="I63.9", dr="D37010000011")
        t += timedelta(days=5)
    w.person("S2")
    w.visit(
        "S2", hj, datetime(2025, 8, 1, 9), med_type="21", days=4, dise="J18.9", dr="D37010000011"
    )
    w.visit(
        "S2", hj, datetime(2025, 8, 7, 9), med_type="21", days=4, dise="J18.9", dr="D37010000011"
    )
    w.person("S3")
    t = datetime(2025, 2, 1, 9)
    for _ in range(6):
        w.visit("S3", hj, t, med_type="21", days=3, dise="C34.9", dr="D37010000011")
        t += timedelta(days=21)
    return w.write(folder)
