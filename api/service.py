"""The service object behind the app: settings, the gateway, the store, limits, jobs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.jobs import JobRunner
from api.ratelimit import TokenBuckets
from api.store import Store
from fraudrings.settings import Settings
from graph.gateway import Gateway, Row


class Service:
    def __init__(self, settings: Settings, gateway: Gateway, store: Store) -> None:
        self.settings = settings
        self.secret = settings.require_api_secret()
        self.gw = gateway
        self.store = store
        self.limiter = TokenBuckets(settings.api_rate_per_minute, settings.api_rate_burst)
        # Password guessing: a much smaller bucket per client address.
        self.login_limiter = TokenBuckets(20, 10)
        self.jobs = JobRunner(self)

    def read(self, name: str, params: Mapping[str, Any]) -> list[Row]:
        """A named read query under the API's time limit."""
        return self.gw.read(name, params, timeout=self.settings.api_query_timeout_s)

    def write(self, name: str, params: Mapping[str, Any]) -> dict[str, int]:
        return self.gw.write(name, params, timeout=self.settings.api_query_timeout_s)

    def close(self) -> None:
        self.jobs.shutdown()
