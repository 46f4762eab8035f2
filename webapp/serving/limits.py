"""Per-client limits: a token bucket for rates, a counter for work in progress. In memory, bounded.

A client is a Socket.IO session id for frames and the remote address for uploads.
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from webapp.errors import InferenceUnavailableError, RateLimitedError

MAX_TRACKED_CLIENTS = 10_000  # beyond this, the idlest buckets are forgotten: memory stays bounded


class RateLimiter:
    """``rate`` events per second on average, bursts up to ``burst``, per client key."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)
        self._lock = threading.Lock()

    def check(self, key: str, what: str) -> None:
        """Take one token for ``key``, or raise RateLimitedError saying when to retry."""
        with self._lock:
            now = time.monotonic()
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
                raise RateLimitedError(f"too many {what}: the limit is {self.rate:g} per second "
                                       f"(bursts of {self.burst:g})", retry_after=wait)
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_TRACKED_CLIENTS:
                self._forget_idlest()

    def _forget_idlest(self) -> None:
        for key, _ in sorted(self._buckets.items(), key=lambda item: item[1][1])[: MAX_TRACKED_CLIENTS // 10]:
            del self._buckets[key]


class ConcurrencyLimiter:
    """At most ``per_client`` requests in progress per client and ``total`` overall."""

    def __init__(self, per_client: int, total: int):
        self.per_client, self.total = per_client, total
        self._active: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, key: str):
        """Hold a slot for the ``with`` block, or raise 429 (this client) / 503 (the server is full)."""
        with self._lock:
            if self._active.get(key, 0) >= self.per_client:
                raise RateLimitedError(f"{self.per_client} requests of yours are already in progress", retry_after=1)
            if sum(self._active.values()) >= self.total:
                raise InferenceUnavailableError("the server is busy with other requests", retry_after=1)
            self._active[key] = self._active.get(key, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._active[key] -= 1
                if not self._active[key]:
                    del self._active[key]
