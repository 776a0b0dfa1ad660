"""Limits on what anonymous clients can make the service do: a per-client rate, and one build
of each on-demand artifact at a time, remembered (failures too, for a while).

Verification is open (trust comes from the proof), so without these one client replaying
requests, or asking for a circuit's ``Verifier.sol`` 64 times at once, could keep every
worker busy. Both live on the event loop only, like ``pool.Gate``: no locks.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from .errors import ServiceError

T = TypeVar("T")


class RateLimited(ServiceError):
    """A client sent more unauthenticated work than its share; answered 429 with Retry-After."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClientLimiter:
    """A token bucket per client address: ``per_minute`` requests, in bursts of up to as many.

    At most ``max_clients`` buckets are kept; the least recently seen is dropped first (a
    bucket left alone that long has refilled, so dropping it forgets nothing).
    """

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        if per_minute < 1:
            raise ServiceError("the per-client limit must be at least 1 request a minute")
        self.per_minute, self.max_clients = per_minute, max_clients
        self._rate = per_minute / 60.0  # tokens per second
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, client: str) -> None:
        """Spend one token of ``client``'s bucket, or raise :class:`RateLimited`."""
        now = time.monotonic()
        tokens, last = self._buckets.pop(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[client] = (tokens, now)
            wait = math.ceil((1.0 - tokens) / self._rate)
            raise RateLimited(f"too many unauthenticated requests from {client} (limit "
                              f"{self.per_minute} a minute); retry in {wait}s", wait)
        self._buckets[client] = (tokens - 1.0, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)


class OnceCache(Generic[T]):
    """One computation per key at a time; its result kept, and its failure for ``failure_ttl``
    seconds (only failures of the ``cached`` types: a full queue is worth retrying at once)."""

    def __init__(self, failure_ttl: float, cached: tuple[type[BaseException], ...]) -> None:
        self.failure_ttl, self._cached_types = failure_ttl, cached
        self._values: dict[str, T] = {}
        self._failures: dict[str, tuple[float, BaseException]] = {}
        self._running: dict[str, asyncio.Task[T]] = {}
        self.runs = 0

    async def get(self, key: str, make: Callable[[], Awaitable[T]],
                  again: Callable[[BaseException], BaseException]) -> T:
        """The value for ``key``; ``again`` turns a remembered failure into a fresh exception."""
        if key in self._values:
            return self._values[key]
        failed = self._failures.get(key)
        if failed is not None:
            if time.monotonic() < failed[0]:
                raise again(failed[1])
            del self._failures[key]
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(self._run(key, make))
            self._running[key] = task
        # shield: a client that disconnects must not cancel the build the others wait for.
        return await asyncio.shield(task)

    async def _run(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        self.runs += 1
        try:
            value = await make()
        except self._cached_types as e:
            self._failures[key] = (time.monotonic() + self.failure_ttl, e)
            raise
        finally:
            self._running.pop(key, None)
        self._values[key] = value
        return value
