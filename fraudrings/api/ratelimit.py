"""A token bucket per caller, in process (one bucket per user, or per client address
for calls without a user such as ``POST /auth/token``)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class TokenBuckets:
    def __init__(
        self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self.clock = clock
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for ``key``: 0.0 if allowed, else seconds until one is free."""
        now = self.clock()
        with self._lock:
            tokens, last = self._state.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._state[key] = (tokens - 1.0, now)
                return 0.0
            self._state[key] = (tokens, now)
            if len(self._state) > 100_000:  # forget idle callers, bounded memory
                self._state.clear()
            return (1.0 - tokens) / self.rate if self.rate > 0 else math.inf

    def wait(self, key: str) -> float:
        """Seconds until ``key`` has a token again (0.0: it has one now); takes none."""
        now = self.clock()
        with self._lock:
            tokens, last = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            return 0.0
        return (1.0 - tokens) / self.rate if self.rate > 0 else math.inf
