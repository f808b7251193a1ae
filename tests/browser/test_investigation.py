"""An investigator's day in the workbench: a lead taken from new to referred in the page
(the referral package made by the button, downloaded and checked against its hash),
evidence clicks that bring the graph on screen on a laptop display, ring pictures that
keep every member, and the typologies' own pictures. Screenshots in tests/artifacts/."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Service, login, shot, wait_js

pytestmark = pytest.mark.integration


def _lead(service: Service, **filters: Any) -> dict[str, Any]:
    page = service.get("inv", "/leads", sort="score", order="desc", limit=1, **filters)
    assert page["data"], f"no lead with {filters}"
    return dict(page["data"][0])


def _graph_ready(page: Any) -> None:
    wait_js(
        page,
        "() => window.__graph && window.__graph.cy.nodes().length > 0"
        " && document.querySelector('.view:not([hidden]) .graph-panel').dataset.layout === 'done'",
        timeout=60_000,
    )


def _options(page: Any) -> list[str]:
    js = "[...document.querySelectorAll('#to-status option')].map(o => o.value)"
    return list(page.evaluate(js))


def _download(page: Any, name: str, folder: Path) -> bytes:
    with page.expect_download() as d:
        page.click(f"#lead-referral button.dl[data-name='{name}']")
    path = folder / name
    d.value.save_as(str(path))
    return path.read_bytes()


def test_referral_is_made_from_the_page_and_its_package_verifies(
    page: Any, service: Service, tmp_path: Path
) -> None:
    lead = _lead(service, status="new", typology="recycled_drug")
    lid = lead["lead_id"]
    login(page, service, "inv")
    page.goto(f"{service.url}/#/lead/{lid}")
    _graph_ready(page)
    # the investigator takes it into review and confirms it; "referred" is never offered
    assert _options(page) == ["in_review"]
    page.select_option("#to-status", "in_review")
    page.click("#status-submit")
    page.wait_for_selector("ol.history li:first-child .status-in_review")
    assert "referred" not in _options(page)
    page.select_option("#to-status", "confirmed")
    page.fill("#status-note", "核实：回流药盒二次销售")
    page.click("#status-submit")
    page.wait_for_selector(".lead-head .status-confirmed")
    assert page.locator("#to-status").count() == 0  # nothing left for an investigator
    assert page.locator("#referral-create").count() == 0  # referring is a supervisor's
    # the supervisor refers it with the button: the package is made, the lead is referred
    login(page, service, "sup")
    page.goto(f"{service.url}/#/lead/{lid}")
    page.wait_for_selector("#referral-create")
    assert "referred" not in _options(page)
    shot(page, "20-lead-confirmed-referral-button")
    page.fill("#status-note", "移送公安机关经侦支队")
    page.click("#referral-create")
    page.wait_for_selector(".lead-head .status-referred", timeout=120_000)
    page.wait_for_selector("#package-hash")
    detail = service.get("sup", f"/leads/{lid}")
    assert detail["status"] == "referred"
    assert detail["history"][-1]["to_status"] == "referred"
    refs = service.get("sup", f"/leads/{lid}/referral")
    assert refs and refs[0]["by"] == "sup"  # newest first (kept data may hold older ones)
    shown_hash = page.inner_text("#package-hash").strip()
    assert shown_hash == refs[0]["package_hash"]
    shot(page, "21-lead-referred-package")
    # download the checksums and every listed file; the hashes hold
    sums = _download(page, "SHA256SUMS", tmp_path)
    assert hashlib.sha256(sums).hexdigest() == shown_hash
    listed = dict(
        reversed(line.split(None, 1)) for line in sums.decode().splitlines() if line.strip()
    )
    assert {"referral.pdf", "evidence.json"} <= set(listed)
    assert {f["name"]: f["sha256"] for f in refs[0]["files"]} == listed
    for name in ("referral.pdf", "ring.png", "evidence.json"):
        body = _download(page, name, tmp_path)
        assert hashlib.sha256(body).hexdigest() == listed[name], name
    assert (tmp_path / "referral.pdf").read_bytes().startswith(b"%PDF")
    # a referred lead offers no further step
    assert page.locator("#to-status").count() == 0
    assert page.locator("#referral-create").count() == 0
    assert page.errors == []


def test_evidence_click_brings_the_graph_on_screen_at_1366x768(page: Any, service: Service) -> None:
    page.set_viewport_size({"width": 1366, "height": 768})
    lead = _lead(service, typology="card_pooling")
    login(page, service)
    page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
    _graph_ready(page)
    rows = page.locator("table.evidence tbody tr:not([hidden])")
    last = rows.nth(rows.count() - 1)
    last.scroll_into_view_if_needed()
    top = "document.querySelector('#lead-graph .cy').getBoundingClientRect().top"
    graph_top = page.evaluate(top)
    assert graph_top < 0  # the graph is scrolled off the top before the click
    last.click()
    page.wait_for_timeout(500)
    box = page.evaluate(
        "(() => { const r = document.querySelector('#lead-graph .cy').getBoundingClientRect();"
        " return [r.top, r.bottom, window.innerHeight]; })()"
    )
    assert box[0] >= 0 and box[1] <= box[2], box
    assert page.evaluate("window.__graph.cy.nodes('.focus').length") > 0
    shot(page, "22-evidence-focus-1366")
    assert page.errors == []


TYPOLOGIES = (
    "prescription_buyer",
    "recycled_drug",
    "inpatient_recruitment",
    "card_pooling",
    "spatiotemporal",
    "deceased_claims",
    "split_admission",
)
EVENT_KINDS = "['settlement', 'event', 'feeline']"
WIDE = {"width": 1600, "height": 1000}  # the page fixture's viewport


def test_every_typology_draws_all_members_linked_and_counts_parties(
    page: Any, service: Service
) -> None:
    login(page, service)
    for typ in TYPOLOGIES:
        lead = _lead(service, typology=typ)
        detail = service.get("inv", f"/leads/{lead['lead_id']}")
        lone = typ == "prescription_buyer" and len(detail["members"]) == 1
        page.set_viewport_size({"width": 1366, "height": 768} if lone else WIDE)
        page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
        _graph_ready(page)
        members = {f"{m['kind']}:{m['id']}" for m in detail["members"]}
        drawn = set(page.evaluate("window.__graph.cy.nodes().map(n => n.id())"))
        assert members <= drawn, (typ, members - drawn)
        isolated = set(
            page.evaluate(
                "window.__graph.cy.nodes().filter(n => n.degree(false) === 0).map(n => n.id())"
            )
        )
        assert not (isolated & members), (typ, isolated & members)
        nodes = "[...window.__graph.nodes.values()]"
        parties = page.evaluate(f"{nodes}.filter(n => !{EVENT_KINDS}.includes(n.kind)).length")
        status = page.locator("#lead-graph .shown")
        assert status.get_attribute("data-parties") == str(parties), typ
        assert f"全部 {parties} 个参与方" in status.inner_text(), typ
        events = page.evaluate(
            f"window.__graph.cy.nodes().filter(n => {EVENT_KINDS}.includes(n.data('kind'))).length"
        )
        assert events <= 150, typ
        if typ == "card_pooling":  # the shared terminal is drawn, linked to the cards' holders
            term = page.evaluate(
                "window.__graph.cy.nodes('[kind = \"terminal\"]').map(n => n.degree(false))"
            )
            assert term and max(term) >= 2, term
        if lone:
            # a lone buyer is drawn at the institutions where he collected the drug
            buyer = f"person:{detail['members'][0]['id']}"
            bought_at = {
                "institution:" + x.split(" at ")[1].split(" ")[0]
                for x in detail["evidence"]
                if x.startswith("settlement:")
            }
            at = set(
                page.evaluate(
                    f"window.__graph.cy.getElementById('{buyer}').closedNeighborhood()"
                    ".nodes().closedNeighborhood().nodes('[kind != \"settlement\"]')"
                    ".map(n => n.id())"
                )
            )
            inst = {x for x in at if x.startswith("institution:")}
            assert inst and inst <= bought_at, (inst, bought_at)
            page.locator("#lead-graph").scroll_into_view_if_needed()
            shot(page, "31-lone-buyer-1366")
        shot(page, f"30-ring-{typ}")
    assert page.errors == []


def test_impossible_travel_is_drawn_on_an_offline_map(page: Any, service: Service) -> None:
    lead = _lead(service, typology="spatiotemporal")
    detail = service.get("inv", f"/leads/{lead['lead_id']}")
    trips = [x for x in detail["evidence"] if x.startswith("settlement:") and " km in " in x]
    assert trips
    places = {
        p
        for x in trips
        for p in (x.split(" at ")[1].split(" ")[0], x.split(" at ")[2].split(":")[0])
    }
    login(page, service)
    page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
    page.wait_for_selector("#travel-map svg line.trip")
    # the province outlines come from the pinned npm package, not from any tile server
    assert page.locator("#travel-map path.province").count() >= 30
    drawn = set(
        page.evaluate(
            "[...document.querySelectorAll('#travel-map .place')].map(g => g.dataset.code)"
        )
    )
    assert drawn == places
    pairs = {
        tuple(sorted((x.split(" at ")[1].split(" ")[0], x.split(" at ")[2].split(":")[0])))
        for x in trips
    }
    assert page.locator("#travel-map line.trip").count() == len(pairs)
    labels = page.locator("#travel-map text.trip-label").all_text_contents()
    assert labels and all("公里" in s and "小时" in s for s in labels)
    assert page.locator("#travel-map table.trips tbody tr").count() == len(trips)
    page.locator("#travel-map").scroll_into_view_if_needed()
    shot(page, "40-spatiotemporal-map")
    assert page.errors == []


def test_roles_factors_and_evidence_kinds_are_shown_in_chinese(page: Any, service: Service) -> None:
    cjk = "/[\\u4e00-\\u9fff]/"
    login(page, service)
    for typ in ("card_pooling", "prescription_buyer"):
        lead = _lead(service, typology=typ)
        detail = service.get("inv", f"/leads/{lead['lead_id']}")
        page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
        page.wait_for_selector("table.reasons tbody tr")
        factors = page.locator("table.reasons tbody tr td:first-child b").all_inner_texts()
        assert len(factors) == len(detail["reasons"])
        raw = {r["factor"] for r in detail["reasons"]}
        assert not raw & set(factors), raw & set(factors)  # a label, not the factor's name
        assert page.evaluate(
            "[...document.querySelectorAll('table.reasons tbody b')]"
            f".every(b => {cjk}.test(b.textContent))"
        )
        roles = {m["role"] for m in detail["members"]}
        shown = page.locator("ul.members li").all_inner_texts()
        assert shown and not any(r in s for r in roles for s in shown), (roles, shown[:3])
        tags = page.locator("table.evidence tbody td:first-child .tag").all_inner_texts()
        assert tags and all(t_ and t_ != "其他" and not t_.isascii() for t_ in tags), set(tags)
        shot(page, f"32-chinese-labels-{typ}")
    assert page.errors == []
