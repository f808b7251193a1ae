"""The service object behind the app: settings, the gateway, the store, limits, jobs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from fraudrings.api.batcher import MicroBatcher
from fraudrings.api.cache import AnswerCache
from fraudrings.api.checkfacts import FactsKeeper
from fraudrings.api.jobs import JobRunner
from fraudrings.api.ratelimit import TokenBuckets
from fraudrings.casework.leads import LeadChange, apply_change, write_leads
from fraudrings.casework.store import Store
from fraudrings.casework.tokens import SessionCache, TokenVerifier
from fraudrings.core.pseudonym import use_key
from fraudrings.core.settings import Settings
from fraudrings.graph.gateway import Gateway, Row

log = logging.getLogger(__name__)


class Service:
    def __init__(self, settings: Settings, gateway: Gateway, store: Store) -> None:
        self.settings = settings
        self.secret = settings.require_api_secret()
        self.tokens = TokenVerifier(self.secret)
        use_key(settings.require_pseudonym_key())  # phone and address ids
        self.sessions = SessionCache(settings.api_auth_recheck_s)
        self.gw = gateway
        self.store = store
        # Buckets live in each worker process; with n workers each gets 1/n of the rate,
        # so that a caller's total stays about what the settings say.
        n = max(1, settings.api_workers)
        self.limiter = TokenBuckets(
            settings.api_rate_per_minute / n, max(1, settings.api_rate_burst // n)
        )
        # Password guessing: a much smaller bucket per client address.
        self.login_limiter = TokenBuckets(
            settings.api_login_rate_per_minute / n, max(1, settings.api_login_burst // n)
        )
        self.jobs = JobRunner(self)
        self.cache = AnswerCache(settings.api_cache_mb * 2**20, settings.api_cache_ttl_s)
        # which leads a stated purpose names, inside a region (under the same token)
        self.purposes = AnswerCache(min(settings.api_cache_mb, 1) * 2**20, settings.api_cache_ttl_s)
        self.checks: MicroBatcher[dict[str, Any], Row] = MicroBatcher(
            self._check_batch, max_batch=max(1, settings.api_check_max_batch), name="check"
        )
        self.facts: FactsKeeper | None = None
        if settings.api_check_facts and settings.api_check_facts_path is not None:
            self.facts = FactsKeeper(
                gateway,
                settings.api_check_facts_path,
                poll_s=settings.api_check_facts_poll_s,
                builder_env={
                    "NEO4J_URI": settings.neo4j_uri,
                    "NEO4J_USER": settings.neo4j_user,
                    "NEO4J_PASSWORD": settings.neo4j_password.get_secret_value(),
                    "NEO4J_DATABASE": settings.neo4j_database,
                },
            )

    def _check_batch(self, checks: Sequence[dict[str, Any]]) -> list[Row]:
        """One transaction for a batch of pre-settlement checks; answers in their order."""
        rows = self.gw.read_once(
            "check_settlements",
            {"checks": [{**c, "i": k} for k, c in enumerate(checks)]},
            timeout=self.settings.api_check_timeout_s,
        )
        by_i = {r.pop("i"): r for r in rows}
        return [by_i.get(k, {}) for k in range(len(checks))]

    def read(self, name: str, params: Mapping[str, Any]) -> list[Row]:
        """A named read query under the API's time limit."""
        return self.gw.read(name, params, timeout=self.settings.api_query_timeout_s)

    def write(self, name: str, params: Mapping[str, Any]) -> dict[str, int]:
        """A named write to leads, under the API's time limit; the leads' generation is
        renewed (:func:`casework.leads.write_leads`), and this worker's checks see the
        change at once."""
        counters = write_leads(self.gw, name, params, timeout=self.settings.api_query_timeout_s)
        self._leads_changed()
        return counters

    def change_lead(self, change: LeadChange) -> bool:
        """One workflow step, assignment or note (:func:`casework.leads.apply_change`);
        False when the lead changed meanwhile."""
        done = apply_change(self.gw, change, timeout=self.settings.api_query_timeout_s)
        self._leads_changed()
        return done

    def _leads_changed(self) -> None:
        if self.facts is not None:
            self.facts.leads_changed()  # this worker's checks see the change at once

    def leads_token(self) -> str | None:
        """The leads' current generation token (kept answers are valid under it only)."""
        if not self.cache.enabled:
            return None
        rows = self.read("leads_generation", {})
        return rows[0]["token"] if rows else None

    def warm_up(self) -> None:
        """Plan the check's query in the background at start-up, so that the first
        counter after a restart does not pay for it (errors are the check's own to
        report later)."""

        def plan() -> None:
            try:
                self.gw.read("check_settlements", {"checks": []}, timeout=30)
            except Exception as exc:
                log.info("check query not planned at start-up: %s", exc)

        threading.Thread(target=plan, name="check-warm-up", daemon=True).start()

    def close(self) -> None:
        if self.facts is not None:
            self.facts.close()
        self.checks.close()
        self.jobs.shutdown()
