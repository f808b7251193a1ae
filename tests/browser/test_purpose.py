"""The stated purpose per lead: an investigator who opens a lead is asked once for the
purpose of that case; until it is given the page reads the lead with the sign-in purpose
(which names no lead, so identities come masked), afterwards every call about the lead
names it (``<purpose> lead:<id>``) and the identities come whole."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from tests.browser.conftest import Service, login, wait_js
from tests.integration.api_world import PURPOSE


def _purposes(page: Any, lead_id: str) -> list[str]:
    """X-Purpose of every call for the lead's detail the page has made."""
    return [
        unquote(r.headers.get("x-purpose", ""))
        for r in page.requests
        if r.url.split("?")[0].endswith(f"/leads/{lead_id}")
    ]


def _person_lead(service: Service) -> dict[str, Any]:
    rows = service.get("inv", "/leads", limit=50)["data"]
    for row in rows:
        lead = service.get("inv", f"/leads/{row['lead_id']}")
        if any(m["kind"] == "person" for m in lead["members"]):
            return lead
    raise AssertionError("no lead with a person member")


def _phones(page: Any) -> list[str]:
    """The phone numbers of the persons drawn (the drop's names come masked already)."""
    wait_js(page, "window.__graph && window.__graph.nodes.size > 0")
    phones: list[str] = page.evaluate(
        "[...window.__graph.nodes.values()].filter(n => n.type === 'Person')"
        ".map(n => String(n.properties.tel || '')).filter(Boolean)"
    )
    return phones


def test_the_purpose_is_asked_once_per_lead(page: Any, service: Service) -> None:
    page.requests = []
    page.on("request", lambda r: page.requests.append(r))
    lead = _person_lead(service)
    lid = lead["lead_id"]
    login(page, service, "inv")
    page.goto(f"{service.url}/#/lead/{lid}")
    page.wait_for_selector("#lead-purpose-form")
    page.wait_for_selector(".members li")
    # read with the sign-in purpose: no lead named, identities masked
    assert _purposes(page, lid) == [PURPOSE]
    masked = _phones(page)
    assert masked and all("*" in n for n in masked), masked
    page.fill("#lead-purpose", "核查举报 2025-07")
    page.click("#lead-purpose-form button[type=submit]")
    wait_js(page, "!document.querySelector('#lead-purpose-form')")
    page.wait_for_selector(".members li")
    assert _purposes(page, lid)[-1] == f"核查举报 2025-07 lead:{lid}"
    whole = _phones(page)
    assert whole and not any("*" in n for n in whole), whole
    # back to the queue and to the lead again: not asked a second time
    page.goto(f"{service.url}/#/leads")
    page.wait_for_selector("#status-counts a")
    page.goto(f"{service.url}/#/lead/{lid}")
    page.wait_for_selector(".members li")
    assert page.locator("#lead-purpose-form").count() == 0
    assert _purposes(page, lid)[-1] == f"核查举报 2025-07 lead:{lid}"
    # another lead is asked again
    other = next(
        r["lead_id"] for r in service.get("inv", "/leads", limit=5)["data"] if r["lead_id"] != lid
    )
    page.goto(f"{service.url}/#/lead/{other}")
    page.wait_for_selector("#lead-purpose-form")
    assert page.errors == []


def test_an_analyst_is_not_asked(page: Any, service: Service) -> None:
    lid = _person_lead(service)["lead_id"]
    login(page, service, "ana")
    page.goto(f"{service.url}/#/lead/{lid}")
    page.wait_for_selector(".members li")
    assert page.locator("#lead-purpose-form").count() == 0
    assert page.errors == []
