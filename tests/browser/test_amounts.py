"""One amount at risk (涉案金额: what the fund paid for the suspect part) for a lead of
every typology: the queue, the lead page, its breakdown and the referral PDF show the
same figure, to the cent. Screenshots in tests/artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fraudrings.core.vocabulary import TYPOLOGIES
from fraudrings.graph.gateway import Gateway
from fraudrings.referral import package
from fraudrings.referral.fonts import find_font
from fraudrings.referral.service import evidence
from tests.browser.conftest import Service, login, shot, wait_js

pytestmark = pytest.mark.integration


def _pdf_text(path: Path) -> str:
    import pypdf

    text = "".join(p.extract_text() or "" for p in pypdf.PdfReader(str(path)).pages[:3])
    return re.sub(r"\s+", "", text)


def test_queue_page_and_referral_show_one_amount_for_every_typology(
    page: Any, service: Service, seeded: Gateway, tmp_path: Path
) -> None:
    font = find_font()
    login(page, service, "inv")
    seen = []
    for typ in TYPOLOGIES:
        rows = service.get("inv", "/leads", typology=typ, sort="score", order="desc", limit=1)
        assert rows["data"], f"the browser drop has no {typ} lead"
        lid = rows["data"][0]["lead_id"]
        ev, _ = evidence(seeded, lid)
        figure = f"{ev.case_amount:,.2f}"
        # the referral works the amount out item by item and arrives at the lead's figure
        assert ev.case_amount == pytest.approx(ev.lead.amount_at_risk, abs=0.005), typ

        page.goto(f"{service.url}/#/leads?typology={typ}&sort=score&order=desc")
        cell = page.locator(f"tr[data-lead='{lid}'] td:nth-child(6)")
        cell.wait_for()
        queue = cell.inner_text().strip()

        page.goto(f"{service.url}/#/lead/{lid}")
        page.wait_for_selector("#lead-amount")
        on_page = page.inner_text("#lead-amount").strip()
        page.click("#amount-detail-btn")
        page.wait_for_selector("#amount-case")
        detail = page.inner_text("#amount-case").strip()
        wait_js(page, "() => document.querySelectorAll('#amount-detail tbody tr').length > 0")
        assert queue == on_page == detail == f"¥{figure}", (typ, queue, on_page, detail, figure)
        # the wider total is labelled as another figure and is never smaller
        related = page.inner_text("#amount-related").strip()
        assert float(related.lstrip("¥").replace(",", "")) >= ev.case_amount - 0.005
        page.locator("#amount-detail").scroll_into_view_if_needed()
        shot(page, f"amounts-{typ}")

        out = tmp_path / typ
        package.write(ev, out, font)
        text = _pdf_text(out / "referral.pdf")
        assert f"涉案金额(基金支付){figure}元" in text, (typ, figure)
        assert "关联结算总额" in text
        seen.append((typ, lid, figure))
    assert len(seen) == len(TYPOLOGIES)
