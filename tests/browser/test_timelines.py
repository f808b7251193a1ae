"""The lead page's timelines: a death-date marker with every settlement the reasons
count (claims for the dead), the pooling terminal in the picture and its cards hour by
hour, a legend, zoom, and a brushed date range that filters the graph. Screenshots in
tests/artifacts/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import Service, login, shot, wait_js

pytestmark = pytest.mark.integration


def _top(service: Service, typology: str) -> dict[str, Any]:
    page = service.get("inv", "/leads", typology=typology, sort="score", order="desc", limit=1)
    assert page["data"], typology
    return dict(service.get("inv", f"/leads/{page['data'][0]['lead_id']}"))


def _working_on(service: Service, user: str, lead_id: str, path: str) -> Any:
    """GET as the workbench asks for its open lead: the stated purpose names the lead."""
    r = httpx.get(
        service.url + path,
        headers={
            "Authorization": "Bearer " + service.token(user),
            "X-Purpose": f"review lead:{lead_id}",
        },
        timeout=30,
    )
    r.raise_for_status()
    return r.json()


def _counted(lead: dict[str, Any]) -> int:
    return int(
        next(r["value"] for r in lead["reasons"] if r["factor"] == "settlements_after_death")
    )


def _tl_ready(page: Any) -> None:
    wait_js(page, "() => document.querySelector('#lead-timeline svg.timeline') !== null")


def test_timeline_api_gives_death_dates_and_terminal_hours(service: Service) -> None:
    dead = _top(service, "deceased_claims")
    tl = _working_on(service, "inv", dead["lead_id"], f"/leads/{dead['lead_id']}/timeline")
    person = next(m for m in dead["members"] if m["role"] == "deceased_insured")
    (death,) = [d for d in tl["deaths"] if d["person"] == f"person:{person['id']}"]
    stated = next(x for x in dead["evidence"] if " death_date " in x).split()[-1]
    assert death["death_date"] == stated
    # every settlement the reasons count, each after the death date
    assert len(death["settlements"]) == _counted(dead)
    assert all(s["begntime"][:10] > stated for s in death["settlements"])
    named = {x.split()[0] for x in dead["evidence"] if x.startswith("settlement:")}
    assert named <= {s["id"] for s in death["settlements"]}
    # a masked view does not show the death date
    masked = _working_on(service, "ana", dead["lead_id"], f"/leads/{dead['lead_id']}/timeline")
    assert {d["death_date"] for d in masked["deaths"]} == {"***"}

    pool = _top(service, "card_pooling")
    tl = service.get("inv", f"/leads/{pool['lead_id']}/timeline")
    assert tl["deaths"] == [] and tl["terminals"]
    cards = {m["id"] for m in pool["members"] if m["kind"] == "person"}
    for term in tl["terminals"]:
        assert term["hours"] and all(h["lead_cards"] <= h["cards"] for h in term["hours"])
        assert all(h["cards"] <= h["settlements"] for h in term["hours"])
    busiest = max(h["lead_cards"] for t in tl["terminals"] for h in t["hours"])
    assert 2 <= busiest <= len(cards)
    named = {x.split()[0] for x in pool["evidence"] if x.startswith("terminal:")}
    assert named <= {t["terminal"] for t in tl["terminals"]}


def test_death_date_marker_and_every_counted_settlement_on_the_timeline(
    page: Any, service: Service
) -> None:
    dead = _top(service, "deceased_claims")
    login(page, service)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{service.url}/#/lead/{dead['lead_id']}")
    # the death date is whole only for a stated purpose naming this case
    page.wait_for_selector("#lead-purpose-form")
    page.fill("#lead-purpose", "核查死亡人员结算")
    page.click("#lead-purpose-form button[type=submit]")
    wait_js(page, "!document.querySelector('#lead-purpose-form')")
    _tl_ready(page)
    stated = next(x for x in dead["evidence"] if " death_date " in x).split()[-1]
    assert page.locator("#terminal-hours").count() == 0  # no card terminal to show
    marker = page.locator("#lead-timeline g.marker")
    assert marker.count() == 1
    assert marker.get_attribute("data-t") == stated
    label = marker.locator("text").text_content() or ""
    assert stated in label and "死亡日期" in label
    ids = set(
        page.evaluate(
            "[...document.querySelectorAll('#lead-timeline [data-id^=\"settlement:\"]')]"
            ".map(e => e.dataset.id)"
        )
    )
    assert len(ids) == _counted(dead)
    # each drawn right of the death marker
    xs = page.evaluate(
        "(() => { const m = document.querySelector('#lead-timeline g.marker line');"
        " const x0 = +m.getAttribute('x1');"
        " return [...document.querySelectorAll('#lead-timeline .mark[data-id]')]"
        ".map(e => +(e.getAttribute('cx') || e.getAttribute('x')) - x0); })()"
    )
    assert xs and min(xs) > 0
    legend = page.locator("#lead-timeline .legend-item").all_inner_texts()
    assert "死亡日期" in legend and "死亡后结算" in legend
    page.locator("#lead-timeline").scroll_into_view_if_needed()
    shot(page, "50-deceased-timeline")
    assert page.errors == []


def test_pooling_terminal_is_drawn_and_its_cards_shown_hour_by_hour(
    page: Any, service: Service
) -> None:
    pool = _top(service, "card_pooling")
    login(page, service)
    page.goto(f"{service.url}/#/lead/{pool['lead_id']}")
    wait_js(page, "() => document.querySelector('#terminal-hours svg.timeline') !== null")
    wait_js(
        page,
        "() => window.__graph && document.querySelector('#lead-graph').dataset.layout === 'done'",
    )
    # the terminal named in the evidence is drawn, at the pooling outlet
    named = [x.split()[0] for x in pool["evidence"] if x.startswith("terminal:")]
    outlet = next(
        f"institution:{m['id']}" for m in pool["members"] if m["role"] == "pooling_outlet"
    )
    for term in named:
        nb = page.evaluate(
            f"window.__graph.cy.getElementById('{term}').neighborhood('node').map(n => n.id())"
        )
        assert outlet in nb, (term, nb)
    # hour bars: each hour's cards, the lead's in red; the busiest hour holds a burst
    hours = page.evaluate(
        "[...document.querySelectorAll('#terminal-hours g.hour')]"
        ".map(g => [g.dataset.hour, +g.dataset.n, +g.dataset.m])"
    )
    assert hours and max(m for _, _, m in hours) >= 2
    assert all(len(h) == 16 and h.endswith(":00") for h, _, _ in hours)
    assert page.locator("#terminal-hours g.hour rect.lead-cards").count() > 0
    legend = page.locator("#terminal-hours .legend-item").all_inner_texts()
    assert legend == ["该小时刷卡人数", "其中本线索成员"]
    page.locator("#terminal-hours").scroll_into_view_if_needed()
    shot(page, "51-pooling-terminal-hours")
    # zoom in to the busiest day: the axis turns to hours
    busiest = max(hours, key=lambda h: h[2])[0]
    view0 = page.get_attribute("#terminal-hours .tl-host", "data-view")
    for _ in range(10):
        page.click("#terminal-hours .tl-in")
    view1 = page.get_attribute("#terminal-hours .tl-host", "data-view")
    assert view1 != view0
    a, b = view1.split("|")
    assert (
        a >= view0.split("|")[0] and b <= view0.split("|")[1] and (a, b) != tuple(view0.split("|"))
    )
    assert busiest  # the hour exists; zoomed-in ticks read as hours
    ticks = page.locator("#terminal-hours .tick-label").all_text_contents()
    assert any(t_.endswith("时") for t_ in ticks), ticks
    page.click("#terminal-hours .tl-all")
    assert page.get_attribute("#terminal-hours .tl-host", "data-view") == view0
    assert page.errors == []


def test_brushing_a_date_range_filters_the_graph(page: Any, service: Service) -> None:
    lead = _top(service, "inpatient_recruitment")
    login(page, service)
    page.goto(f"{service.url}/#/lead/{lead['lead_id']}")
    _tl_ready(page)
    wait_js(page, "() => document.querySelector('#lead-graph').dataset.layout === 'done'")
    dates = "window.__graph.cy.edges().map(e => e.data('text')).join(' ')"
    before = page.evaluate(
        "[...window.__graph.nodes.values()].filter(n => ['settlement','event','feeline']"
        ".includes(n.kind)).length"
    )
    svg = page.locator("#member-timeline svg.timeline")
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    x0 = box["x"] + 160 + (box["width"] - 172) * 0.05
    x1 = box["x"] + 160 + (box["width"] - 172) * 0.45
    y = box["y"] + box["height"] / 2
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y)
    page.mouse.move(x1, y)
    page.mouse.up()
    host = page.locator("#member-timeline .tl-host")
    frm, to = host.get_attribute("data-from"), host.get_attribute("data-to")
    assert frm and to and frm <= to
    graph = page.locator("#lead-graph")
    assert graph.get_attribute("data-date-from") == frm
    assert graph.get_attribute("data-date-to") == to
    assert page.input_value("#lead-graph .date-from") == frm
    # only the events of the range are drawn now
    shown = page.evaluate(
        "(() => { const g = window.__graph; const v = g.view();"
        " return [...v.nodes.values(), ...[...v.merged.values()].flatMap(m => m.events)]"
        ".filter(n => ['settlement','event','feeline'].includes(n.kind))"
        ".map(n => String((n.properties||{}).begntime || (n.properties||{}).setl_time"
        " || (n.properties||{}).event_time || '').slice(0, 10)); })()"
    )
    assert shown and all(frm <= d <= to for d in shown if d), (frm, to, shown[:5])
    assert len(shown) < before
    assert "选" in page.locator("#member-timeline .tl-range").inner_text()
    shot(page, "52-brushed-range")
    page.click("#member-timeline .tl-clear")
    assert graph.get_attribute("data-date-from") == ""
    assert page.evaluate(dates)
    assert page.errors == []
