"""Referral packages on the real server: leads detected in the hand-built world
(tests/integration/world.py), moved through the workflow from the CLI and the API,
referred; the PDF's text, the manifest, determinism, roles and region scope."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fraudrings import cli
from fraudrings.api.app import create_app
from fraudrings.casework.store import Store
from fraudrings.core.settings import Settings
from fraudrings.graph import schema
from fraudrings.graph.detect import run_all
from fraudrings.graph.gateway import Gateway
from fraudrings.graph.leads import export
from fraudrings.ingest.loader import Loader
from fraudrings.referral import package, service
from fraudrings.referral.fonts import find_font
from fraudrings.referral.rules import ROLE_ZH
from tests.integration import world
from tests.integration.api_world import Api, api_settings, make_store

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "referral"

# full identifiers, as a real export carries them (the world's rows are masked)
IDENTITIES = {
    "K1": ("王建国", "370102196505011234", "13800001111", "济南市历下区泉城路1号"),
    "A1": ("李秀英", "370103195805022345", "13800002222", "济南市市中区经四路2号"),
    "A2": ("张伟", "370104196012033456", "13800003333", "济南市槐荫区经十路3号"),
    "RC": ("赵强", "370102198001014567", "13900000099", "济南市天桥区北园大街4号"),
}


@dataclass
class Ctx:
    gw: Gateway
    settings: Settings
    store: Store
    api: Api
    leads: dict[str, str]  # typology -> lead id
    tmp: Path


@pytest.fixture(scope="module")
def ref(gw: Gateway, settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    schema.empty(gw)
    tmp = tmp_path_factory.mktemp("referral")
    drop = world.build(tmp / "drop")
    Loader(gw, batch_size=500, quarantine_root=tmp / "q", progress=False).load(drop)
    run_all(gw)
    for psn, (name, cert, tel, addr) in IDENTITIES.items():
        gw.run_write_text(
            "MATCH (p:Person {psn_no: $p}) SET p.psn_name = $n, p.certno = $c, p.tel = $t, "
            "p.addr = $a",
            {"p": psn, "n": name, "c": cert, "t": tel, "a": addr},
        )
    leads: dict[str, str] = {}
    for x in export(gw):
        leads.setdefault(x["typology"], x["lead_id"])
    s = api_settings(settings, tmp, referral_dir=tmp / "referrals")
    store = make_store(s.service_db)
    client = TestClient(create_app(s, gateway=gw, store=store))
    client.__enter__()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "_settings", lambda: s)
        yield Ctx(gw, s, store, Api(client, store), leads, tmp)
    client.__exit__(None, None, None)


def _status(ctx: Ctx, lead_id: str) -> str:
    rows = ctx.gw.run_read_text(
        "MATCH (l:Lead {lead_id: $id}) RETURN l.status AS s", {"id": lead_id}
    )
    return str(rows[0]["s"] or "new")


def _confirm_cli(ctx: Ctx, lead_id: str, by: str = "inv_jn") -> None:
    if _status(ctx, lead_id) == "new":
        assert cli.main(["leads", "set-status", lead_id, "in_review", "--by", by,
                         "--note", "核查中"]) == 0  # fmt: skip
    if _status(ctx, lead_id) == "in_review":
        assert cli.main(["leads", "set-status", lead_id, "confirmed", "--by", by,
                         "--note", "证据充分"]) == 0  # fmt: skip


def _audit(ctx: Ctx, **kw: Any) -> list[dict[str, Any]]:
    return ctx.store.query_audit(region_prefix="", limit=200, **kw)[1]


# -- evidence -------------------------------------------------------------------------------
def test_amounts_add_up_to_the_leads_amount_at_risk(ref: Ctx) -> None:
    for typ in ("recycled_drug", "prescription_buyer", "inpatient_recruitment"):
        ev, _ = service.evidence(ref.gw, ref.leads[typ])
        assert ev.total_fraud_amount == pytest.approx(ev.lead.amount_at_risk, abs=0.01), typ
        assert ev.totals.hifp == pytest.approx(
            ev.total_fraud_amount, abs=0.01
        )  # world: pooled only


def test_every_detected_lead_gives_evidence(ref: Ctx) -> None:
    leads = export(ref.gw)
    assert len({x["typology"] for x in leads}) >= 3
    for x in leads:
        ev, _ = service.evidence(ref.gw, x["lead_id"])
        assert ev.parties and ev.settlements, x["lead_id"]
        assert {p.role for p in ev.parties} <= set(ROLE_ZH), x["lead_id"]
        assert ev.total_fraud_amount > 0, x["lead_id"]


def test_roles_per_typology(ref: Ctx) -> None:
    rd, _ = service.evidence(ref.gw, ref.leads["recycled_drug"])
    assert {p.id: p.role for p in rd.parties} == {
        "A1": "card_lender",
        "A2": "card_lender",
        "P37010000002": "recycling_outlet",
        "91370100MA3CLAUND1": "laundering_supplier",
    }
    amounts = {a.party: a for a in rd.amounts}
    assert amounts["person:A1"].funds.hifp == pytest.approx(700.0)
    assert amounts["institution:P37010000002"].fraud_amount == pytest.approx(1400.0)
    assert amounts["institution:P37010000002"].drug_trade_value == pytest.approx(2000.0)
    assert amounts["supplier:91370100MA3CLAUND1"].drug_trade_value == pytest.approx(1000.0)
    ir, _ = service.evidence(ref.gw, ref.leads["inpatient_recruitment"])
    roles = {p.id: p.role for p in ir.parties}
    assert roles["RC"] == "organiser" and roles["R1"] == "card_lender"
    assert roles["H37020000009"] == "institution"
    ir_amounts = {a.party: a.fraud_amount for a in ir.amounts}
    assert ir_amounts["person:RC"] == pytest.approx(ir.total_fraud_amount)
    assert ir_amounts["person:R1"] == pytest.approx(ir.total_fraud_amount / 4)


def test_same_evidence_gives_the_same_bytes(ref: Ctx) -> None:
    lead = ref.leads["recycled_drug"]
    font = find_font()
    a, _ = service.evidence(ref.gw, lead)
    b, _ = service.evidence(ref.gw, lead)
    assert a.evidence_version == b.evidence_version
    ma = package.write(a, ref.tmp / "det-a", font)
    mb = package.write(b, ref.tmp / "det-b", font)
    assert ma == mb
    for f in sorted((ref.tmp / "det-a").iterdir()):
        assert f.read_bytes() == (ref.tmp / "det-b" / f.name).read_bytes(), f.name


# -- the command line -----------------------------------------------------------------------
def test_set_status_from_the_cli_is_recorded_like_the_api(ref: Ctx) -> None:
    lead = ref.leads["prescription_buyer"]
    assert cli.main(["leads", "set-status", lead, "confirmed", "--by", "inv_jn"]) == 1  # new
    assert cli.main(["leads", "set-status", lead, "in_review", "--by", "ana_jn"]) == 1  # role
    assert cli.main(["leads", "set-status", lead, "in_review", "--by", "nobody"]) == 1
    _confirm_cli(ref, lead)
    hist = ref.api.get("sup_sd", f"/leads/{lead}/history").json()
    assert [(h["from_status"], h["to_status"], h["by"], h["note"]) for h in hist] == [
        ("new", "in_review", "inv_jn", "核查中"),
        ("in_review", "confirmed", "inv_jn", "证据充分"),
    ]
    detail = ref.api.get("sup_sd", f"/leads/{lead}").json()
    assert detail["status"] == "confirmed" and detail["assignee"] == "inv_jn"
    rows = _audit(ref, path_prefix="cli:leads set-status", entity_id=f"lead:{lead}")
    assert sorted(r["status"] for r in rows) == [200, 200, 403, 403, 409]
    assert {r["username"] for r in rows} == {"inv_jn", "ana_jn", "nobody"}


def test_a_status_change_from_the_cli_is_seen_by_the_api_at_once(ref: Ctx) -> None:
    """The command line changes a lead the way the API does (casework.leads): the leads
    generation is renewed, so the API's kept answers about the lead are not served."""
    region = ref.store.get_user("inv_jn").region  # type: ignore[union-attr]
    lead = "ST-cli-status"  # a lead of its own, so the other tests' leads keep their state
    ref.gw.run_write_text(
        "CREATE (:Lead {lead_id: $id, typology: 'spatiotemporal', status: 'new', active: true, "
        "region: $region, regions: [$region], score: 0.5, member_count: 0, "
        "reasons_json: '[]', evidence: [], detected_at: datetime()})",
        {"id": lead, "region": region.ljust(6, "0")},
    )
    svc = ref.api.client.app.state.service
    assert svc.cache.enabled
    before = ref.api.get("sup_sd", f"/leads/{lead}").json()
    assert before["status"] == "new"
    listed = ref.api.get("sup_sd", "/leads", params={"status": "new", "limit": 200}).json()
    assert lead in {x["lead_id"] for x in listed["data"]}
    hits = svc.cache.hits
    assert ref.api.get("sup_sd", f"/leads/{lead}").json()["status"] == "new"
    assert svc.cache.hits == hits + 1  # the answer is kept: a stale one would be served
    assert cli.main(["leads", "set-status", lead, "in_review", "--by", "inv_jn"]) == 0
    after = ref.api.get("sup_sd", f"/leads/{lead}").json()
    assert (after["status"], after["assignee"]) == ("in_review", "inv_jn")
    assert [h["to_status"] for h in after["history"]] == ["in_review"]
    listed = ref.api.get("sup_sd", "/leads", params={"status": "new", "limit": 200}).json()
    assert lead not in {x["lead_id"] for x in listed["data"]}
    listed = ref.api.get("sup_sd", "/leads", params={"status": "in_review", "limit": 200}).json()
    assert lead in {x["lead_id"] for x in listed["data"]}
    ref.gw.run_write_text(
        "MATCH (l:Lead {lead_id: $id}) OPTIONAL MATCH (l)-[:HAS_CHANGE]->(c) DETACH DELETE l, c",
        {"id": lead},
    )


def test_cli_referral_create_verify_and_tampering(
    ref: Ctx, capsys: pytest.CaptureFixture[str]
) -> None:
    lead = ref.leads["prescription_buyer"]
    _confirm_cli(ref, lead)
    out = ref.tmp / "cli-package"
    assert cli.main(["referral", "create", lead, "--out", str(out), "--by", "inv_jn"]) == 1
    assert not out.exists()
    assert cli.main(["referral", "create", lead, "--out", str(out), "--by", "sup_sd"]) == 0
    assert _status(ref, lead) == "referred"
    man = json.loads((out / "manifest.json").read_text())
    rec = ref.gw.run_read_text(
        "MATCH (:Lead {lead_id: $id})-[:REFERRED_AS]->(r:Referral) RETURN properties(r) AS r",
        {"id": lead},
    )
    assert len(rec) == 1
    r = rec[0]["r"]
    assert r["by"] == "sup_sd" and r["package_hash"] == man["package_hash"]
    assert r["evidence_version"] == man["evidence_version"] and r["at"] is not None
    hist = ref.api.get("sup_sd", f"/leads/{lead}/history").json()
    assert (hist[-1]["from_status"], hist[-1]["to_status"], hist[-1]["by"]) == (
        "confirmed",
        "referred",
        "sup_sd",
    )
    audit = _audit(ref, path_prefix="cli:referral create", entity_id=f"lead:{lead}")
    assert sorted(x["status"] for x in audit) == [201, 403]
    ok = next(x for x in audit if x["status"] == 201)
    assert ok["params"]["package_hash"] == man["package_hash"]
    # a second referral of a referred lead is refused
    assert cli.main(["referral", "create", lead, "--out", str(ref.tmp / "again")]) == 1

    capsys.readouterr()
    assert cli.main(["referral", "verify", str(out), "--hash", man["package_hash"]]) == 0
    assert "OK" in capsys.readouterr().out
    assert cli.main(["referral", "verify", str(out), "--hash", "0" * 64]) == 1
    work = ref.tmp / "tamper"
    for name, change in (
        ("amounts.csv", "changed"),
        ("referral.pdf", "changed"),
        ("extra.txt", "added"),
        ("timeline.csv", "missing"),
        ("SHA256SUMS", "changed"),
    ):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(out, work)
        f = work / name
        if change == "changed":
            f.write_bytes(f.read_bytes() + b" ")
        elif change == "added":
            f.write_text("x")
        else:
            f.unlink()
        capsys.readouterr()
        assert cli.main(["referral", "verify", str(work)]) == 1, name
        assert f"{change}: {name}" in capsys.readouterr().out

    # the package is the same bytes as a fresh one from the same evidence
    ev, _ = service.evidence(ref.gw, lead)
    fresh = package.write(ev, ref.tmp / "fresh", find_font())
    assert fresh == man


def test_pdf_holds_names_amounts_and_legal_basis(ref: Ctx) -> None:
    import pypdf
    import pypdfium2 as pdfium

    lead = ref.leads["prescription_buyer"]
    out = ref.tmp / "pdf-check"
    ev, _ = service.evidence(ref.gw, lead)
    package.write(ev, out, find_font())
    reader = pypdf.PdfReader(str(out / "referral.pdf"))
    text = "\n".join(p.extract_text() for p in reader.pages)
    flat = text.replace("\n", "")
    for needle in (
        "涉嫌骗取医疗保障基金案件移送材料",
        "王建国",  # name
        "370102196505011234",  # full ID number, unmasked
        "13800001111",
        "职业开药人",  # role
        "62,790.00",  # the excess over own use, pooled fund
        "统筹基金",
        "第二百六十六条",
        "第三百一十二条",
        "数额巨大",  # K1 crosses 60,000 (Shandong's sample figure)
        "可配置",
        ev.evidence_version[:16],
    ):
        assert needle in flat, needle
    fonts = set()
    for page in reader.pages:
        res: Any = page["/Resources"].get_object()
        for f in (res.get("/Font") or {}).values():
            fonts.add(str(f.get_object().get("/BaseFont")))
    assert any("FraudringsCJK" in f or "WenQuanYi" in f for f in fonts), fonts
    # pages as pictures, to look at (artifacts/referral/, git-ignored)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(str(out / "referral.pdf"))
    for i in range(min(3, len(doc))):
        img = doc[i].render(scale=1.4).to_pil()
        img.save(ARTIFACTS / f"{lead}-page{i + 1}.png")
        assert img.convert("L").getextrema()[0] < 80  # not blank
    shutil.copy(out / "ring.png", ARTIFACTS / f"{lead}-ring.png")


# -- the API --------------------------------------------------------------------------------
def test_api_only_a_supervisor_refers_and_only_a_confirmed_lead(ref: Ctx) -> None:
    lead = ref.leads["recycled_drug"]
    api = ref.api
    url = f"/leads/{lead}/referral"
    if _status(ref, lead) == "new":
        r = api.post("sup_sd", url, json={"note": "太早"})
        assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
        assert api.post("inv_jn", f"/leads/{lead}/transitions",
                        json={"to_status": "in_review"}).status_code == 200  # fmt: skip
        r = api.post("sup_sd", url)
        assert r.status_code == 409  # in review
        assert api.post("inv_jn", f"/leads/{lead}/transitions",
                        json={"to_status": "confirmed"}).status_code == 200  # fmt: skip
    assert api.post("inv_jn", url).status_code == 403
    assert api.post("ana_jn", url).status_code == 403
    assert api.post("sup_qd", url).status_code == 404  # another city: as a missing id
    assert api.post("sup_sd", "/leads/RD-NOSUCHLEAD/referral").status_code == 404
    assert not (ref.settings.referral_dir / lead).exists() or not any(
        (ref.settings.referral_dir / lead).iterdir()
    )
    r = api.post("sup_sd", url, json={"note": "移送市公安局"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["by"] == "sup_sd" and len(body["package_hash"]) == 64
    names = {f["name"] for f in body["files"]}
    assert {"referral.pdf", "ring.png", "evidence.json", "amounts.csv", "parties.csv"} <= names
    assert _status(ref, lead) == "referred"
    assert api.post("sup_sd", url).status_code == 409  # already referred

    pdf = next(f for f in body["files"] if f["name"] == "referral.pdf")
    got = api.get("sup_sd", pdf["url"])
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert package.sha256(got.content) == pdf["sha256"]
    man = api.get("sup_sd", body["manifest_url"])
    assert man.status_code == 200 and man.json()["package_hash"] == body["package_hash"]
    assert api.get("inv_jn", pdf["url"]).status_code == 403
    assert api.get("sup_qd", pdf["url"]).status_code == 404
    assert api.get("sup_sd", f"/leads/{lead}/referral/files/not-there.pdf").status_code == 404
    assert api.get("sup_sd", f"/leads/{lead}/referral/files/..%2Fx").status_code in (404, 422)
    listed = api.get("sup_sd", url).json()
    assert [x["referral_id"] for x in listed] == [body["referral_id"]]
    # the folder the API wrote verifies
    folder = ref.settings.referral_dir / lead / body["referral_id"]
    assert package.verify(folder, body["package_hash"]).ok
    # recorded: graph, history, audit
    hist = api.get("sup_sd", f"/leads/{lead}/history").json()
    assert (hist[-1]["to_status"], hist[-1]["by"], hist[-1]["note"]) == (
        "referred",
        "sup_sd",
        "移送市公安局",
    )
    rows = _audit(ref, entity_id=f"referral:{body['referral_id']}")
    posts = [x for x in rows if x["method"] == "POST"]
    assert len(posts) == 1 and posts[0]["username"] == "sup_sd" and posts[0]["status"] == 201


def test_two_referrals_at_once_record_one(ref: Ctx) -> None:
    from concurrent.futures import ThreadPoolExecutor

    lead = ref.leads["inpatient_recruitment"]  # a Qingdao lead
    _confirm_cli(ref, lead, by="inv_qd")
    font = find_font()

    def refer(i: int) -> str:
        try:
            service.create(ref.gw, lead, ref.tmp / f"race-{i}", by="sup_qd", region="3702",
                           font=font)  # fmt: skip
        except (service.ReferralConflict, service.NotConfirmed) as exc:
            return type(exc).__name__
        return "ok"

    with ThreadPoolExecutor(2) as pool:
        results = sorted(pool.map(refer, range(2)))
    assert results.count("ok") == 1, results
    n = ref.gw.run_read_text(
        "MATCH (:Lead {lead_id: $id})-[:REFERRED_AS]->(r) RETURN count(r) AS n", {"id": lead}
    )
    assert n[0]["n"] == 1
    # the loser's package was removed; the winner's verifies
    kept = [d for d in (ref.tmp / "race-0", ref.tmp / "race-1") if d.exists()]
    assert len(kept) == 1 and package.verify(kept[0]).ok
