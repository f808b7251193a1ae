"""The investigator workbench in headless chromium: log in, the queue, a lead's ring
graph, expanding a node, a status change with a note, a box's history, a large
neighbourhood. Each test leaves screenshots in tests/artifacts/."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from fraudrings.api.routers.ui import VENDOR
from tests.browser.conftest import Service, login, shot, wait_js

pytestmark = pytest.mark.integration


def test_page_and_vendor_files_are_served_locally(service: Service) -> None:
    r = httpx.get(service.url + "/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert re.findall(r"https?://", r.text) == []
    for src in re.findall(r'(?:src|href)="([^"#]+)"', r.text):
        assert src.startswith("/ui/"), src
        assert httpx.get(service.url + src).status_code == 200, src
    for name in VENDOR:
        assert httpx.get(f"{service.url}/ui/vendor/{name}").status_code == 200, name
    assert httpx.get(service.url + "/ui/vendor/lodash.js").status_code == 404


def _top_lead(service: Service, **filters: Any) -> dict[str, Any]:
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


def test_login_queue_and_claim(page: Any, service: Service) -> None:
    page.goto(service.url + "/")
    page.wait_for_selector("#login-form")
    assert page.evaluate("sessionStorage.length") == 0
    login(page, service)
    # the token lives in sessionStorage, never in localStorage
    assert page.evaluate("sessionStorage.getItem('fr.token')")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('token'))") == []
    counts = page.locator("#status-counts a")
    assert counts.count() == 6
    total = service.get("inv", "/leads", limit=1)["count"]
    assert counts.first.locator("b").inner_text() == str(total)
    first_id = page.locator("table.leads tbody tr").first.get_attribute("data-lead")
    assert first_id == _top_lead(service)["lead_id"]
    shot(page, "01-queue")
    # filter by typology, sort by amount
    page.select_option("#queue-filters select[name=typology]", "inpatient_recruitment")
    page.select_option("#queue-filters select[name=sort]", "amount_at_risk")
    page.click("#queue-filters button[type=submit]")
    wait_js(page, "location.hash.includes('typology=inpatient_recruitment')")
    page.wait_for_selector("table.leads tbody tr[data-lead]")
    typs = page.locator("table.leads tbody .typ").all_inner_texts()
    assert typs and set(typs) == {"拉拢住院"}
    # claim the first new one: it moves to in review, assigned to me
    row = page.locator("table.leads tbody tr:has(button.claim)").first
    lead_id = row.get_attribute("data-lead")
    row.locator("button.claim").click()
    page.wait_for_selector(f"tr[data-lead='{lead_id}'] .status-in_review")
    detail = service.get("inv", f"/leads/{lead_id}")
    assert detail["status"] == "in_review" and detail["assignee"] == "inv"
    shot(page, "02-queue-filtered-claimed")
    assert page.errors == []


def test_lead_graph_expand_and_status_change(page: Any, service: Service) -> None:
    lead = _top_lead(service, status="new")
    login(page, service)
    page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
    _graph_ready(page)
    detail = service.get("inv", f"/leads/{lead['lead_id']}")
    member_ids = {f"{m['kind']}:{m['id']}" for m in detail["members"]}
    drawn = set(page.evaluate("window.__graph.cy.nodes().map(n => n.id())"))
    assert member_ids <= drawn, member_ids - drawn
    # reasons, evidence, amount beside the graph
    assert page.locator("table.reasons tbody tr").count() == len(detail["reasons"])
    assert page.locator("table.evidence tbody tr").count() == len(detail["evidence"])
    assert page.locator("#lead-timeline svg.timeline").count() == 1
    shot(page, "03-lead")
    # click a member: its profile; expand its neighbours
    person = next(m for m in detail["members"] if m["kind"] == "person")
    pid = f"person:{person['id']}"
    page.evaluate(f"window.__graph.selectById('{pid}')")
    page.wait_for_selector(f".profile[data-node='{pid}'] .expand")
    before = page.evaluate("window.__graph.nodes.size")
    page.click(".profile .expand")
    wait_js(page, f"window.__graph.nodes.size > {before}", timeout=30_000)
    wait_js(
        page,
        "!document.querySelector('#lead-graph').dataset.expanding"
        " && document.querySelector('#lead-graph').dataset.layout === 'done'",
    )
    assert page.evaluate(f"window.__graph.cy.getElementById('{pid}').hasClass('expanded')")
    shot(page, "04-lead-expanded")
    # evidence line focus
    page.locator("table.evidence tbody tr").first.click()
    page.wait_for_timeout(500)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "05-lead-evidence-focus")
    page.locator("table.evidence tbody tr").first.click()
    # status change with a note
    page.select_option("#to-status", "in_review")
    page.fill("#status-note", "开始核查")
    page.click("#status-submit")
    page.wait_for_selector("#to-status option[value=confirmed]", state="attached")
    page.select_option("#to-status", "confirmed")
    page.fill("#status-note", "浏览器测试：已核实团伙关系")
    page.click("#status-submit")
    page.wait_for_selector("ol.history li:first-child .status-confirmed")
    assert "浏览器测试" in page.locator("ol.history").inner_text()
    assert page.locator(".lead-head .status-confirmed").count() == 1
    after = service.get("inv", f"/leads/{lead['lead_id']}")
    assert after["status"] == "confirmed" and after["assignee"] == "inv"
    assert after["history"][-1]["note"] == "浏览器测试：已核实团伙关系"
    shot(page, "06-lead-status-changed")
    assert page.errors == []


def test_box_history_chain(page: Any, service: Service) -> None:
    lead = _top_lead(service, typology="recycled_drug")
    detail = service.get("inv", f"/leads/{lead['lead_id']}")
    box = next(m["id"] for m in detail["members"] if m["kind"] == "trace_code")
    history = service.get("inv", f"/entities/trace_code/{box}/history")
    login(page, service)
    page.fill("#box-search-code", box)
    page.click("#box-search button")
    wait_js(page, "window.__boxcy && window.__boxcy.nodes().length > 1")
    page.wait_for_timeout(300)
    assert page.locator("table.events tbody tr").count() == len(history["events"])
    assert page.locator("table.events tr.bad").count() >= 1  # the second sale
    # left to right: x grows along the chain
    xs = page.evaluate("window.__boxcy.nodes().map(n => n.position('x'))")
    assert xs == sorted(xs)
    shot(page, "07-box-history")
    assert page.errors == []


def test_large_ring_and_neighbourhood_are_capped_with_show_more(
    page: Any, service: Service
) -> None:
    big = service.get("inv", "/leads", sort="member_count", order="desc", limit=1)["data"][0]
    assert big["member_count"] > 150
    login(page, service)
    page.goto(f"{service.url}/#/lead/{big['lead_id']}")
    _graph_ready(page)
    # every member is drawn; the cap counts events (settlements, box movements) only
    detail = service.get("inv", f"/leads/{big['lead_id']}")
    drawn = set(page.evaluate("window.__graph.cy.nodes().map(n => n.id())"))
    assert {f"{m['kind']}:{m['id']}" for m in detail["members"]} <= drawn
    events = "window.__graph.view().nodes.size - window.__graph.view().parties"
    assert page.evaluate(events) <= 150
    assert page.locator("#lead-graph .more").is_visible()
    shot(page, "08-large-ring-capped")
    shown = int(page.get_attribute("#lead-graph .shown", "data-events"))
    page.click("#lead-graph .more")
    wait_js(page, f"+document.querySelector('#lead-graph .shown').dataset.events > {shown}")
    wait_js(page, "document.querySelector('#lead-graph').dataset.layout === 'done'")
    shot(page, "09-large-ring-more")
    # a hub's two-hop neighbourhood (up to 500 nodes from the API), drawn 120 at a time
    lead = _top_lead(service, typology="inpatient_recruitment")
    detail = service.get("inv", f"/leads/{lead['lead_id']}")
    inst = next(m["id"] for m in detail["members"] if m["kind"] == "institution")
    page.goto(f"{service.url}/#/entity/institution/{inst}")
    _graph_ready(page)
    total = page.evaluate("window.__graph.nodes.size")
    drawn = page.evaluate("window.__graph.cy.nodes().length")
    assert total > 300 and drawn <= 200
    shot(page, "10-neighbourhood-capped")
    # English switch
    page.click("#lang-switch")
    wait_js(page, "document.documentElement.lang === 'en'")
    page.wait_for_selector("#entity-graph .graph-toolbar button.fit:has-text('Fit')")
    _graph_ready(page)
    shot(page, "11-neighbourhood-english")
    assert page.errors == []
