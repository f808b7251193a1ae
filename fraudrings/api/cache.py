"""Answers about leads, kept in memory while they are still true.

A lead list page or a lead detail costs tens of milliseconds of Cypher and as much again
of Python (a ring of hundreds of members, its subgraph, masking, serialisation), yet
leads change only when detection runs or someone moves, assigns or annotates one. Every
such write renews the leads' *generation* token (``queries/leads_generation_bump``);
each request reads the current token (one index seek) and gets a kept answer only if it
was computed under that token, for the same region, role and parameters, less than
``ttl_s`` ago (an ingest renews the token too, since members' properties may change;
the TTL is a backstop for writes made outside the service's code). Entries are evicted
least recently used beyond ``max_bytes``.
The cache is per process; with several workers each keeps its own, and the token keeps
them all honest.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response


@dataclass(frozen=True)
class Kept:
    token: str | None
    at: float
    size: int
    value: Any


class AnswerCache:
    def __init__(
        self, max_bytes: int, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_bytes = max(0, max_bytes)
        self.ttl_s = ttl_s
        self.clock = clock
        self._items: OrderedDict[Hashable, Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0 and self.ttl_s > 0

    def get(self, key: Hashable, token: str | None) -> Any | None:
        """The value kept for ``key`` under ``token`` and younger than the TTL, else None."""
        if not self.enabled:
            return None
        with self._lock:
            kept = self._items.get(key)
            if kept is None or kept.token != token or self.clock() - kept.at > self.ttl_s:
                if kept is not None:
                    self._drop(key)
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return kept.value

    def put(self, key: Hashable, token: str | None, value: Any, size: int) -> None:
        if not self.enabled or size > self.max_bytes:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = Kept(token, self.clock(), size, value)
            self._bytes += size
            while self._bytes > self.max_bytes and self._items:
                self._drop(next(iter(self._items)))

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes

    def _drop(self, key: Hashable) -> None:
        kept = self._items.pop(key)
        self._bytes -= kept.size


class JSONBytes(Response):
    """A JSON body serialised once (by pydantic) and sent as it is; the route's
    ``response_model`` still documents it in the OpenAPI schema."""

    media_type = "application/json"
