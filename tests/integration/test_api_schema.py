"""Schemathesis against the served OpenAPI document, on the seeded two-city world:
no 5xx anywhere, every response conforms to the schema (status, content type, body).

Runs as a national admin (every operation reachable) with a modest example count so
the suite stays fast. ``POST /jobs`` is left out: it would start real ingests and
detection runs (tests/integration/test_api_jobs.py covers it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.integration import api_world
from tests.integration.api_world import Api

# the shared fixtures (module attributes, so pytest registers them here)
api_factory = api_world.api_factory
world = api_world.world

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def schema_api(api_factory: Callable[..., Api]) -> Api:
    return api_factory()


@pytest.fixture(scope="module")
def api_schema(schema_api: Api) -> Any:
    app = schema_api.client.app
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(method="POST", path="/jobs")


def test_openapi_conformance(api_schema: Any, schema_api: Api) -> None:
    headers = schema_api.h("admin_all")
    failures: dict[str, str] = {}
    labels = []
    for result in api_schema.get_all_operations():
        op = result.ok()
        labels.append(op.label)

        @given(case=op.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers)

        try:
            run()
        except Exception as exc:
            failures[op.label] = f"{type(exc).__name__}: {exc}"[:3000]
    assert len(labels) >= 15, labels
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
