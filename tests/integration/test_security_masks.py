"""Masks that hold, on the real server: evidence lines and reason texts, the allow-list
of what a masked view shows, ID numbers beside birth dates, keyed phone ids, and full
identifiers only for a purpose that names a lead the caller may work on."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from pydantic import SecretStr

from fraudrings.api.app import create_app
from fraudrings.core.settings import SettingsError
from fraudrings.graph.gateway import Gateway
from tests.integration import api_world
from tests.integration.api_world import PSEUDONYM_KEY, Api

api_factory = api_world.api_factory
world = api_world.world
pytestmark = pytest.mark.integration

PHONE = "13812345678"  # P001's and P002's
ADDR = "山东省济南市历下区某路1号"
LINK = f"link:P001<->P002 shared address:{ADDR}, phone:{PHONE}"

EXTRA = """
MATCH (p1:Person {psn_no: 'P001'}), (p2:Person {psn_no: 'P002'})
SET p1.hiv_status = 'positive'
WITH p1, p2
MATCH (s1:Settlement {setl_id: 'SETL-1'})
SET s1.dise_codg = 'E11.9'
CREATE (l:Lead {lead_id: 'LD-JN-3', typology: 'prescription_buyer', score: 0.7,
        amount_at_risk: 900.0, first_seen: date('2025-01-02'), last_seen: date('2025-02-01'),
        status: 'new', region: '370102', regions: ['370102'], member_count: 2, active: true,
        reasons_json: $reasons, evidence: [$link], run_id: 'seed',
        detected_at: datetime('2025-03-01T00:00:00Z')})
CREATE (l)-[:INVOLVES {role: 'buyer'}]->(p1), (l)-[:INVOLVES {role: 'buyer'}]->(p2)
"""
REASONS = [{"factor": "coordination", "value": 1, "weight": 0.1, "text": f"共用电话 {PHONE}"}]


@pytest.fixture(scope="module")
def mk(api_factory: Callable[..., Api], world: Gateway) -> Iterator[Api]:
    world.run_write_text(EXTRA, {"reasons": json.dumps(REASONS, ensure_ascii=False), "link": LINK})
    yield api_factory()


def _as(a: Api, user: str, url: str, purpose: str, **kw: Any) -> Any:
    return a.get(user, url, headers={"X-Purpose": purpose}, **kw)


def test_evidence_and_reasons_are_masked_for_analysts(mk: Api) -> None:
    r = mk.get("ana_jn", "/leads/LD-JN-3")
    assert r.status_code == 200, r.text
    body = r.json()
    assert PHONE not in r.text and "某路1号" not in r.text
    assert body["evidence"] == [
        "link:P001<->P002 shared address:山东省济南市*******, phone:138****5678"
    ]
    assert body["reasons"][0]["text"] == "共用电话 138****5678"
    lead_node = next(n for n in body["subgraph"]["nodes"] if n["type"] == "Lead")
    assert PHONE not in json.dumps(lead_node, ensure_ascii=False)
    # an investigator working on the lead reads them whole
    inv = mk.get("inv_jn", "/leads/LD-JN-3", headers={"X-Purpose": "lead:LD-JN-3"}).json()
    assert inv["evidence"] == [LINK] and PHONE in inv["reasons"][0]["text"]


def test_full_identifiers_need_a_purpose_naming_a_lead_of_ones_own(mk: Api) -> None:
    url = "/entities/person/P001"
    named = _as(mk, "inv_jn", url, quote("复核 LD-JN-3")).json()
    assert named["properties"]["certno"] == "370102199001011234"
    assert named["properties"]["tel"] == PHONE
    # any four characters, a made-up lead id, another city's lead: the masked view
    for purpose in ("abcd", "case 2025-JN-0042", "lead:LD-XX-9", "lead:LD-QD-1"):
        r = _as(mk, "inv_jn", url, purpose)
        assert r.status_code == 200, (purpose, r.text)
        p = r.json()["properties"]
        assert p["certno"] == "370102************" and p["tel"] == "138****5678", purpose
        assert PHONE not in r.text and "199001011234" not in r.text, purpose
    lead = _as(mk, "inv_jn", "/leads/LD-JN-3", "abcd")
    assert lead.status_code == 200 and PHONE not in lead.text and "某路1号" not in lead.text
    # the Qingdao investigator with a Qingdao lead sees Qingdao's persons whole
    qd = _as(mk, "inv_qd", "/entities/person/P003", "LD-QD-1").json()
    assert qd["properties"]["certno"] == "370202197003035678"


def test_a_masked_view_is_an_allow_list(mk: Api) -> None:
    p1 = mk.get("ana_jn", "/entities/person/P001").json()["properties"]
    # birth date and ID number do not combine into the number
    assert p1["brdy"] == "1990-**-**" and p1["certno"] == "370102************"
    # welfare flags, a column nobody listed: hidden
    assert p1["psn_flags"] == "***" and p1["hiv_status"] == "***"
    assert p1["insu_admdvs"] == "370102" and p1["psn_no"] == "P001"
    p2 = mk.get("ana_jn", "/entities/person/P002").json()["properties"]
    assert p2["death_date"] == "***"
    hood = mk.get("ana_jn", "/entities/person/P001/neighbourhood", params={"hops": 1}).json()
    setl = [n for n in hood["nodes"] if n["type"] == "Settlement"]
    assert setl and all(n["properties"].get("dise_codg") in (None, "***") for n in setl)
    assert any(n["properties"].get("dise_codg") == "***" for n in setl)
    assert all(n["properties"].get("medfee_sumamt") is not None for n in setl)
    assert "E11.9" not in json.dumps(hood)
    inv = mk.get("inv_jn", "/entities/person/P001").json()["properties"]
    assert inv["hiv_status"] == "positive" and inv["brdy"] == "1990-01-01"


def test_phone_ids_are_a_keyed_hash(mk: Api) -> None:
    hood = mk.get("ana_jn", "/entities/person/P001/neighbourhood", params={"hops": 1}).json()
    phone = next(n for n in hood["nodes"] if n["type"] == "Phone")
    assert phone["label"] == "138****5678"
    digest = phone["id"].removeprefix("phone:#")
    assert digest == hmac.new(PSEUDONYM_KEY.encode(), PHONE.encode(), "sha256").hexdigest()[:16]
    # the unkeyed hash a guesser would compute for each of the 10,000 candidates
    assert not hashlib.sha1(PHONE.encode()).hexdigest().startswith(digest)


def test_the_service_refuses_to_start_without_the_pseudonym_key(mk: Api) -> None:
    s = mk.client.app.state.service.settings  # type: ignore[attr-defined]
    with pytest.raises(SettingsError, match="FRAUDRINGS_PSEUDONYM_KEY"):
        create_app(s.model_copy(update={"pseudonym_key": SecretStr("")}))
