"""`fraudrings serve` with several uvicorn workers, on the real server: every worker
accepts the same tokens (sessions live in the shared service database), each call is one
audit row whichever worker answered, the hash chain stays whole under two writers, and a
workflow step made through one worker shows in the lead detail every worker serves."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from bench.api import bench_server
from fraudrings.core.settings import Settings
from fraudrings.graph.gateway import Gateway
from tests.integration import api_world

world = api_world.world
pytestmark = pytest.mark.integration


def test_two_workers_share_sessions_audit_and_leads(world: Gateway, settings: Settings) -> None:
    with bench_server(settings, workers=2) as (base, tok):
        h = {"Authorization": f"Bearer {tok}", "X-Purpose": "worker test"}

        def get(url: str) -> httpx.Response:
            return httpx.get(base + url, headers=h, timeout=30)

        urls = ["/leads", "/leads/LD-QD-1", "/leads/LD-JN-1"] * 20
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(get, urls))
        assert [r.status_code for r in answers] == [200] * len(urls)
        # each worker keeps its own answers; both keep them under the same token, so a
        # step made through whichever worker is seen by every later read
        before = {r.json()["status"] for r in answers if r.url.path == "/leads/LD-QD-1"}
        assert len(before) == 1
        r = httpx.post(
            base + "/leads/LD-QD-1/notes", headers=h, json={"note": "两个进程"}, timeout=30
        )
        assert r.status_code == 201, r.text
        with ThreadPoolExecutor(8) as pool:
            after = list(pool.map(get, ["/leads/LD-QD-1"] * 16))
        assert all(x.json()["history"][-1]["note"] == "两个进程" for x in after)
        audit = httpx.get(
            base + "/audit", headers=h, params={"route": "/leads/{lead_id}", "limit": 200}
        ).json()
        assert audit["count"] == 40 + 16
        v = httpx.get(base + "/audit/verify", headers=h).json()
        assert v["ok"] is True, v
