"""A small two-city world for the API tests, written with Cypher through the gateway,
and the fixtures that serve it: users of each role and region, tokens, a client.

Jinan (3701xx) and Qingdao (3702xx), both in Shandong (37):

- Jinan: hospital H370100000001 (370102), pharmacy P370100000002 (370103), doctor
  D370102000001 at the hospital, supplier S1 (370100); persons P001 and P002 (370102)
  who share a phone, P001 settled twice at the hospital with the doctor.
- Qingdao: hospital H370200000001 (370202), doctor D370202000001, supplier S2, person
  P003 (370202).
- Box 81000000000000000001 (Jinan): bought by the pharmacy from S1, sold to P001, then
  sold again to P002 (came back). Box 81000000000000000002 (Qingdao only).
- Leads: LD-JN-1 recycled_drug (370103, 0.9), LD-JN-2 prescription_buyer (370102, 0.6,
  in review, assigned to inv_jn), LD-QD-1 inpatient_recruitment (370202, 0.8).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient

from fraudrings.api.app import create_app
from fraudrings.casework.passwords import hash_password
from fraudrings.casework.store import Store
from fraudrings.core.settings import Settings
from fraudrings.graph import schema
from fraudrings.graph.gateway import Gateway

SECRET = "test-secret-" + "x" * 60
PASSWORD = "correct horse battery"
# The stated purpose the fixtures send (X-Purpose): it names a lead of the caller's city,
# which opens full identifiers to investigators and above.
PURPOSE = "case 2025-JN-0042, lead LD-JN-1"
QD_PURPOSE = "case 2025-QD-0007, lead LD-QD-1"
PSEUDONYM_KEY = "test-pseudonym-" + "k" * 40
AUDIT_KEY = "test-audit-" + "a" * 40
JN_BOX = "81000000000000000001"
QD_BOX = "81000000000000000002"

USERS = {
    # name: (role, region)
    "admin_all": ("admin", ""),
    "sup_sd": ("supervisor", "37"),
    "inv_jn": ("investigator", "3701"),
    "inv_jn2": ("investigator", "3701"),
    "ana_jn": ("analyst", "3701"),
    "inv_qd": ("investigator", "3702"),
    "sup_qd": ("supervisor", "3702"),
}

WORLD = """
CREATE (hj:Institution:Hospital {fixmedins_code: 'H370100000001', fixmedins_name: '济南第一医院',
        fixmedins_type: '1', hosp_lv: '3', admdvs: '370102', lat: 36.65, lon: 117.0})
CREATE (pj:Institution:Pharmacy {fixmedins_code: 'P370100000002', fixmedins_name: '泉城大药房',
        fixmedins_type: '2', admdvs: '370103', lat: 36.66, lon: 117.02})
CREATE (hq:Institution:Hospital {fixmedins_code: 'H370200000001', fixmedins_name: '青岛市立医院',
        fixmedins_type: '1', hosp_lv: '3', admdvs: '370202', lat: 36.07, lon: 120.38})
CREATE (dj:Practitioner {prac_code: 'D370102000001', prac_name: '李医生', prac_type: 'doctor',
        fixmedins_code: 'H370100000001'})-[:WORKS_AT]->(hj)
CREATE (dq:Practitioner {prac_code: 'D370202000001', prac_name: '王医生', prac_type: 'doctor',
        fixmedins_code: 'H370200000001'})-[:WORKS_AT]->(hq)
CREATE (s1:Supplier {entp_code: '91370100MA00000001', entp_name: '济南医药批发', admdvs: '370100'})
CREATE (s2:Supplier {entp_code: '91370200MA00000002', entp_name: '青岛医药批发', admdvs: '370200'})
CREATE (p1:Person {psn_no: 'P001', psn_name: '张小三', certno: '370102199001011234',
        tel: '13812345678', addr: '山东省济南市历下区某路1号', insu_admdvs: '370102', gend: '1',
        brdy: date('1990-01-01'), psn_flags: 'poverty;chronic_special'})
CREATE (p2:Person {psn_no: 'P002', psn_name: '李四', certno: '370102198502023456',
        tel: '13812345678', addr: '山东省济南市历下区某路2号', insu_admdvs: '370102', gend: '2',
        brdy: date('1985-02-02'), death_date: date('2025-03-01')})
CREATE (p3:Person {psn_no: 'P003', psn_name: '王五', certno: '370202197003035678',
        tel: '13987654321', addr: '山东省青岛市市南区某路3号', insu_admdvs: '370202', gend: '1',
        brdy: date('1970-03-03')})
CREATE (ph:Phone {tel: '13812345678'})
CREATE (p1)-[:HAS_PHONE]->(ph), (p2)-[:HAS_PHONE]->(ph)
CREATE (drug:Drug {med_list_codg: 'XHV001', list_name: '高值药甲', pric_ref: 1000.0})
CREATE (st1:Settlement {setl_id: 'SETL-1', psn_no: 'P001', med_type: '11',
        setl_time: localdatetime('2025-01-06T09:00:00'), medfee_sumamt: 3000.0})
CREATE (st2:Settlement {setl_id: 'SETL-2', psn_no: 'P001', med_type: '11',
        setl_time: localdatetime('2025-01-13T09:00:00'), medfee_sumamt: 3000.0})
CREATE (st3:Settlement {setl_id: 'SETL-3', psn_no: 'P003', med_type: '21',
        setl_time: localdatetime('2025-01-20T09:00:00'), medfee_sumamt: 8000.0})
CREATE (st4:Settlement {setl_id: 'SETL-4', psn_no: 'P002', med_type: '41',
        setl_time: localdatetime('2025-02-01T10:00:00'), medfee_sumamt: 1000.0})
CREATE (p1)-[:SETTLED]->(st1)-[:AT]->(hj), (st1)-[:TREATED_BY]->(dj)
CREATE (p1)-[:SETTLED]->(st2)-[:AT]->(hj), (st2)-[:TREATED_BY]->(dj)
CREATE (p3)-[:SETTLED]->(st3)-[:AT]->(hq), (st3)-[:TREATED_BY]->(dq)
CREATE (p2)-[:SETTLED]->(st4)-[:AT]->(pj)
CREATE (b1:Box {drug_trac_codg: '81000000000000000001', n_sales: 2})-[:FOR_DRUG]->(drug)
CREATE (b2:Box {drug_trac_codg: '81000000000000000002', n_sales: 1})-[:FOR_DRUG]->(drug)
CREATE (b1)-[:HAS_EVENT]->(e1:BoxEvent:Purchase {event_id: 'E1', event_type: 'purchase',
        event_time: localdatetime('2025-01-02T08:00:00'), in_trace: true})
CREATE (e1)-[:FROM]->(s1), (e1)-[:TO]->(pj)
CREATE (b1)-[:HAS_EVENT]->(e2:BoxEvent:Sale {event_id: 'E2', event_type: 'sale',
        event_time: localdatetime('2025-01-06T09:00:00'), setl_id: 'SETL-1', in_trace: true})
CREATE (e2)-[:FROM]->(pj), (e2)-[:TO]->(p1), (e2)-[:FOR_SETTLEMENT]->(st1)
CREATE (b1)-[:HAS_EVENT]->(e3:BoxEvent:Sale {event_id: 'E3', event_type: 'sale',
        event_time: localdatetime('2025-02-01T10:00:00'), setl_id: 'SETL-4', in_trace: true})
CREATE (e3)-[:FROM]->(pj), (e3)-[:TO]->(p2), (e3)-[:FOR_SETTLEMENT]->(st4)
CREATE (b2)-[:HAS_EVENT]->(e4:BoxEvent:Purchase {event_id: 'E4', event_type: 'purchase',
        event_time: localdatetime('2025-01-03T08:00:00'), in_trace: true})
CREATE (e4)-[:FROM]->(s2), (e4)-[:TO]->(hq)
CREATE (b2)-[:HAS_EVENT]->(e5:BoxEvent:Sale {event_id: 'E5', event_type: 'sale',
        event_time: localdatetime('2025-01-20T09:00:00'), in_trace: true})
CREATE (e5)-[:FROM]->(hq), (e5)-[:TO]->(p3)
"""

# Leads as detection writes them (graph/leads.py's shape), members by kind and key.
LEADS: list[dict[str, Any]] = [
    {
        "lead_id": "LD-JN-1",
        "typology": "recycled_drug",
        "score": 0.9,
        "amount_at_risk": 2000.0,
        "first_seen": "2025-01-02",
        "last_seen": "2025-02-01",
        "status": "new",
        "assignee": None,
        "region": "370103",
        "regions": ["370102", "370103"],
        "reasons": [
            {"factor": "resales", "value": 1, "weight": 0.7, "text": "同一追溯码二次销售"},
            {"factor": "no_return", "value": "yes", "weight": 0.3, "text": "两次销售之间无退货"},
        ],
        "evidence": ["box:81000000000000000001", "settlement:SETL-1", "settlement:SETL-4"],
        "members": [
            ("person", "P001", "buyer"),
            ("person", "P002", "buyer"),
            ("institution", "P370100000002", "recycler"),
            ("trace_code", JN_BOX, "resold_box"),
        ],
    },
    {
        "lead_id": "LD-JN-2",
        "typology": "prescription_buyer",
        "score": 0.6,
        "amount_at_risk": 6000.0,
        "first_seen": "2025-01-06",
        "last_seen": "2025-01-13",
        "status": "in_review",
        "assignee": "inv_jn",
        "region": "370102",
        "regions": ["370102"],
        "reasons": [{"factor": "oversupply", "value": 4.2, "weight": 1.0, "text": "用量超常"}],
        "evidence": ["settlement:SETL-1", "settlement:SETL-2"],
        "members": [
            ("person", "P001", "buyer"),
            ("practitioner", "D370102000001", "prescriber"),
            ("institution", "H370100000001", "place"),
        ],
    },
    {
        "lead_id": "LD-QD-1",
        "typology": "inpatient_recruitment",
        "score": 0.8,
        "amount_at_risk": 8000.0,
        "first_seen": "2025-01-20",
        "last_seen": "2025-01-25",
        "status": "new",
        "assignee": None,
        "region": "370202",
        "regions": ["370202"],
        "reasons": [{"factor": "waves", "value": 3, "weight": 1.0, "text": "多次共同住院"}],
        "evidence": ["settlement:SETL-3"],
        "members": [("person", "P003", "recruit"), ("institution", "H370200000001", "hospital")],
    },
]

WRITE_LEADS = """
UNWIND $leads AS row
CREATE (l:Lead {lead_id: row.lead_id, typology: row.typology, score: row.score,
        amount_at_risk: row.amount_at_risk, first_seen: date(row.first_seen),
        last_seen: date(row.last_seen), status: row.status, assignee: row.assignee,
        region: row.region, regions: row.regions, reasons_json: row.reasons_json,
        evidence: row.evidence, member_count: size(row.members), active: true,
        detected_at: datetime('2025-03-01T00:00:00Z'), run_id: 'seed'})
WITH l, row
UNWIND row.members AS m
OPTIONAL MATCH (p:Person {psn_no: m.id}) WHERE m.kind = 'person'
OPTIONAL MATCH (i:Institution {fixmedins_code: m.id}) WHERE m.kind = 'institution'
OPTIONAL MATCH (d:Practitioner {prac_code: m.id}) WHERE m.kind = 'practitioner'
OPTIONAL MATCH (s:Supplier {entp_code: m.id}) WHERE m.kind = 'supplier'
OPTIONAL MATCH (b:Box {drug_trac_codg: m.id}) WHERE m.kind = 'trace_code'
WITH l, m, coalesce(p, i, d, s, b) AS x
CREATE (l)-[:INVOLVES {role: m.role}]->(x)
"""


def seed(gw: Gateway) -> None:
    schema.empty(gw)
    gw.run_write_text(WORLD)
    leads = [
        {
            **{k: v for k, v in lead.items() if k not in ("members", "reasons")},
            "reasons_json": json.dumps(lead["reasons"], ensure_ascii=False),
            "members": [{"kind": k, "id": i, "role": r} for k, i, r in lead["members"]],
        }
        for lead in LEADS
    ]
    gw.run_write_text(WRITE_LEADS, {"leads": leads})


def totp_code(store: Store, user: str) -> str:
    """The user's current TOTP code (the test store keeps every secret)."""
    u = store.get_user(user)
    assert u is not None and u.totp_secret
    return pyotp.TOTP(u.totp_secret).now()


def fresh_code(store: Store, user: str) -> str:
    """The current code, usable again: the tests sign the same user in many times within
    one 30 s step, so the step the user last used is forgotten first (a code is otherwise
    accepted once: test_security_accounts.py holds that)."""
    with store._tx() as db:
        db.execute("UPDATE users SET totp_last_step = NULL WHERE username = ?", (user,))
    return totp_code(store, user)


def login_form(store: Store, user: str, password: str = PASSWORD) -> dict[str, str]:
    return {"username": user, "password": password, "totp": fresh_code(store, user)}


def make_store(path: Path) -> Store:
    store = Store(path, audit_key=AUDIT_KEY)
    hashed = hash_password(PASSWORD)
    for name, (role, region) in USERS.items():
        store.add_user(name, role, region, hashed)
    return store


def api_settings(base: Settings, tmp: Path, **over: Any) -> Settings:
    return base.model_copy(
        update={
            "api_secret_key": __import__("pydantic").SecretStr(SECRET),
            "pseudonym_key": __import__("pydantic").SecretStr(PSEUDONYM_KEY),
            "audit_key": __import__("pydantic").SecretStr(AUDIT_KEY),
            "service_db": tmp / "service.db",
            "api_drops_dir": tmp / "drops",
            "api_rate_burst": 10_000,
            "api_rate_per_minute": 100_000,
            # tests provoke 401s and 422s on purpose (schemathesis thousands)
            "api_fail_burst": 1_000_000,
            "api_fail_rate_per_minute": 1_000_000,
            # the check's read model builds in the background; tests that want it say so
            "api_check_facts": False,
            **over,
        }
    )


def purpose_for(user: str) -> str:
    """A purpose naming a lead the user may work on (Qingdao's users: a Qingdao lead)."""
    region = USERS.get(user, ("", ""))[1]
    return QD_PURPOSE if region.startswith("3702") else PURPOSE


class Api:
    """A TestClient with a token per user (password and TOTP), sending a stated purpose
    with every call unless the test passes its own headers."""

    def __init__(self, client: TestClient, store: Store) -> None:
        self.client = client
        self.store = store
        self._tokens: dict[str, str] = {}

    def token(self, user: str) -> str:
        if user not in self._tokens:
            r = self.client.post("/auth/token", data=login_form(self.store, user))
            assert r.status_code == 200, r.text
            self._tokens[user] = r.json()["access_token"]
        return self._tokens[user]

    def h(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def _kw(self, user: str, kw: dict[str, Any]) -> dict[str, Any]:
        return {
            **kw,
            "headers": {**self.h(user), "X-Purpose": purpose_for(user), **kw.get("headers", {})},
        }

    def get(self, user: str, url: str, **kw: Any) -> Any:
        return self.client.get(url, **self._kw(user, kw))

    def post(self, user: str, url: str, **kw: Any) -> Any:
        return self.client.post(url, **self._kw(user, kw))

    def put(self, user: str, url: str, **kw: Any) -> Any:
        return self.client.put(url, **self._kw(user, kw))


@pytest.fixture(scope="module")
def world(gw: Gateway) -> Gateway:
    seed(gw)
    return gw


@pytest.fixture(scope="module")
def api_factory(
    world: Gateway, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Api]]:
    made: list[TestClient] = []

    def make(gateway: Gateway | None = None, **over: Any) -> Api:
        tmp = tmp_path_factory.mktemp("api")
        s = api_settings(settings, tmp, **over)
        store = make_store(s.service_db)
        client = TestClient(create_app(s, gateway=gateway or world, store=store))
        client.__enter__()
        made.append(client)
        return Api(client, store)

    yield make
    for c in made:
        c.__exit__(None, None, None)


@pytest.fixture(scope="module")
def api(api_factory: Callable[..., Api]) -> Api:
    return api_factory()
