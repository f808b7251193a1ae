"""Keeps a worker's read model of the pre-settlement check (``graph/checkfacts.py``) in
step with the graph, so that a check costs a few SQLite lookups in the worker instead
of a Neo4j round trip, and is never answered from facts the graph no longer has.

A thread in each worker reads both generation tokens every ``poll_s`` seconds (one
small query, ``check_generations``):

- when the leads' token changed, it reads the open leads' members again
  (``checkfacts_open_leads``, a few thousand rows) and keeps them only if the token
  did not move meanwhile; a write to leads through this worker drops them at once;
- while an ingest is writing (it marks the data token so), the file is not used and
  no build starts;
- when the data token is not the one the open file was built under, it opens the file
  on disk if that one was built under the current token, and otherwise starts a build
  (``python -m graph.checkfacts``, its own process, under a lock, so that one build
  runs for all workers and the counters' worker keeps its CPU).

:meth:`FactsKeeper.current` gives the file and the members only while both tokens it
last read match theirs and the last poll succeeded; otherwise the check asks Neo4j as
it always did. So a change reaches the check at once through Neo4j and, after a
build, through the file; what a check may miss is a write of the last ``poll_s``
seconds before the thread saw its token (the same bound as for signing out,
``api_auth_recheck_s``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from fraudrings.graph.checkfacts import BuildLock, CheckFacts, open_leads, tokens
from fraudrings.graph.gateway import Gateway, Row

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
RETRY_AFTER_FAILURE_S = 60.0


class FactsKeeper:
    def __init__(
        self,
        gw: Gateway,
        path: Path,
        *,
        poll_s: float,
        builder_env: dict[str, str],
        start: bool = True,
    ) -> None:
        self.gw = gw
        self.path = Path(path).resolve()  # the builder runs in the project's folder
        self.poll_s = poll_s
        self.builder_env = builder_env
        self._facts: CheckFacts | None = None
        # (leads token, members) as one value, so a check never pairs one with the other's
        # neighbour; _leads_epoch counts this worker's own writes to leads
        self._members: tuple[str | None, dict[str, list[Row]]] | None = None
        self._leads_epoch = 0
        self._seen: tuple[str | None, str | None] | None = None  # last polled (data, leads)
        self._builder: subprocess.Popen[bytes] | None = None
        self._failed_at = -RETRY_AFTER_FAILURE_S
        self._stop = threading.Event()
        self.builds_started = 0
        self._thread = threading.Thread(target=self._loop, name="check-facts", daemon=True)
        if start:
            self._thread.start()

    # -- the check's side --------------------------------------------------------------
    def current(self) -> tuple[CheckFacts, dict[str, list[Row]]] | None:
        """The read model and the open leads' members, if both are the graph's as of the
        last poll; None: ask Neo4j."""
        seen, facts, members = self._seen, self._facts, self._members
        if seen is None or facts is None or members is None:
            return None
        if facts.token != seen[0] or members[0] != seen[1]:
            return None
        return facts, members[1]

    def leads_changed(self) -> None:
        """This worker wrote to leads: stop using the members until they are read again
        (members being read meanwhile are not taken either)."""
        self._leads_epoch += 1
        self._members = None

    def state(self) -> str:
        """ready (checks use the file), building, or stale (checks ask Neo4j)."""
        if self.current() is not None:
            return "ready"
        b = self._builder
        if (b is not None and b.poll() is None) or BuildLock(self.path).busy():
            return "building"
        return "stale"

    # -- the thread's side -------------------------------------------------------------
    def poll(self) -> None:
        """One round: read the tokens, refresh what is stale. Errors leave the model
        unused until a poll succeeds."""
        try:
            now = tokens(self.gw, timeout=max(1.0, self.poll_s * 4))
        except Exception:
            self._seen = None
            raise
        data, leads = (None if now.writing else now.data), now.leads
        self._seen = (data, leads)
        held = self._members
        if held is None or held[0] != leads:
            epoch = self._leads_epoch
            members = open_leads(self.gw, timeout=30)
            if tokens(self.gw, timeout=5).leads == leads and epoch == self._leads_epoch:
                self._members = (leads, members)
        if now.writing:
            return  # an ingest is writing: checks ask Neo4j; built after it ends
        facts = self._facts
        if data is not None and facts is not None and facts.token == data:
            return
        if data is not None and CheckFacts.token_of(self.path) == data:
            self._install(CheckFacts(self.path))
            return
        self._start_build()

    def _install(self, facts: CheckFacts) -> None:
        old, self._facts = self._facts, facts
        log.info("check read model %s in use (data generation %s)", self.path, facts.token)
        if old is not None:
            # a check may still be reading the old one on the event loop: close it later
            threading.Timer(5.0, old.close).start()

    def _start_build(self) -> None:
        b = self._builder
        if b is not None:
            rc = b.poll()
            if rc is None:
                return  # ours is running
            self._builder = None
            if rc not in (0, 3):
                self._failed_at = time.monotonic()
                log.warning("building the check's read model failed (exit %s)", rc)
        if time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE_S:
            return
        if BuildLock(self.path).busy():
            return  # another worker's build
        env = {**os.environ, **self.builder_env}
        self._builder = subprocess.Popen(
            [sys.executable, "-m", "fraudrings.graph.checkfacts", str(self.path)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        self.builds_started += 1
        log.info("building the check's read model at %s (pid %d)", self.path, self._builder.pid)

    def _loop(self) -> None:
        while True:
            try:
                self.poll()
            except Exception as exc:
                log.warning("check read model: %s", exc)
            if self._stop.wait(self.poll_s):
                return

    def wait_ready(self, timeout: float) -> bool:
        """Block until checks use the file (tests, benchmarks)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.current() is not None:
                return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self._stop.set()
        b = self._builder
        if b is not None and b.poll() is None:
            b.terminate()
            try:
                b.wait(10)
            except subprocess.TimeoutExpired:
                b.kill()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._facts is not None:
            self._facts.close()

    def describe(self) -> dict[str, Any]:
        f = self._facts
        return {"state": self.state(), "path": str(self.path), "token": f.token if f else None}
