"""Where the service's CPU work runs: worker processes behind a bounded admission gate.

Proving and verifying are CPU-bound and blocking, so they never run on the event loop. They
run in worker *processes*, not threads: ezkl calls silence fd 2 around themselves
(engine._quiet_stderr), which is process-wide and would race between threads, and processes
also sidestep the GIL. Each worker loads its circuits once (``Prover``) and reuses them.

A :class:`Gate` in front of each pool admits at most ``limit`` jobs at once and keeps at most
``max_queue`` waiting; past that the caller gets :class:`Overloaded` (429), and a job that
waited longer than ``timeout`` seconds gets 503, so an overloaded node answers quickly instead
of piling up work.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from typing import Any

from .errors import EngineError, ServiceError, ZkVerifyError


class Overloaded(ServiceError):
    """The node is at capacity; ``status`` is 429 (queue full) or 503 (waited too long)."""

    def __init__(self, message: str, status: int, pool: str) -> None:
        super().__init__(message)
        self.status, self.pool = status, pool


class WorkerDied(ServiceError):
    """A worker process died mid-job (OOM kill, abort); the pool was replaced."""


class Gate:
    """At most ``limit`` holders, at most ``max_queue`` waiters; event-loop only (no locks)."""

    def __init__(self, name: str, limit: int, max_queue: int, timeout: float) -> None:
        if limit < 1 or max_queue < 0 or timeout <= 0:
            raise ServiceError(f"{name}: need limit >= 1, max_queue >= 0 and timeout > 0")
        self.name, self.limit, self.max_queue, self.timeout = name, limit, max_queue, timeout
        self.running = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._acquire()
        try:
            yield
        finally:
            self._release()

    async def _acquire(self) -> None:
        if self.running < self.limit and not self._waiters:
            self.running += 1
            return
        if len(self._waiters) >= self.max_queue:
            raise Overloaded(f"{self.name} queue is full ({self.running} running, "
                             f"{len(self._waiters)} waiting); retry later", 429, self.name)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._waiters.append(fut)
        timer = loop.call_later(self.timeout, self._expire, fut)
        try:
            await fut
        except asyncio.CancelledError:
            # A slot handed over just as we were cancelled is ours to give back.
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self._release()
            elif fut in self._waiters:
                self._waiters.remove(fut)
            raise
        finally:
            timer.cancel()

    def _expire(self, fut: asyncio.Future[None]) -> None:
        if not fut.done():
            self._waiters.remove(fut)
            fut.set_exception(Overloaded(f"{self.name} is busy: waited {self.timeout:g}s in the "
                                         f"queue without a free worker; retry later", 503,
                                         self.name))

    def _release(self) -> None:
        # Hand the slot straight to the oldest live waiter; `running` stays the same then.
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(None)
                return
        self.running -= 1


class WorkerPool:
    """A process pool behind a gate; ``run`` awaits one job without blocking the loop."""

    def __init__(self, name: str, workers: int, max_queue: int, timeout: float,
                 circuit_paths: list[str]) -> None:
        self.gate = Gate(name, workers, max_queue, timeout)
        self.workers = workers
        self._paths = circuit_paths
        self._executor: ProcessPoolExecutor | None = None
        self._restart_lock = asyncio.Lock()
        self.restarts = 0

    def start(self) -> None:
        self._executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server process has threads (uvicorn, sqlite, anyio) by now.
        ctx = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_load_provers,
                                       initargs=(self._paths,))
        # Start every worker now so the first requests do not pay for imports and loading.
        for f in [executor.submit(time.sleep, 0.05) for _ in range(self.workers)]:
            f.result()
        return executor

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def run(self, fn: Any, *args: Any) -> Any:
        async with self.gate.slot():
            executor = self._executor
            if executor is None:
                raise ServiceError(f"{self.gate.name} pool is not running")
            try:
                return await asyncio.wrap_future(executor.submit(fn, *args))
            except BrokenProcessPool:
                await self._replace(executor)
                raise WorkerDied(f"a {self.gate.name} worker process died; the workers were "
                                 f"restarted, retry") from None

    async def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A dead worker breaks the whole executor; swap in a new one (once per breakage)."""
        async with self._restart_lock:
            if self._executor is not broken:
                return
            self._executor = await asyncio.to_thread(self._new_executor)
            self.restarts += 1
            broken.shutdown(wait=False, cancel_futures=True)


# --- jobs (run inside the worker processes) -----------------------------------------------

_PROVERS: dict[str, Any] = {}


def _load_provers(paths: list[str]) -> None:
    from .prove import Prover

    for p in paths:
        _PROVERS[p] = Prover(p)


def prove_job(path: str, values: list[float]) -> tuple[dict[str, Any], float]:
    """Prove one (already shape-checked) input; returns the bundle as JSON data and seconds."""
    import numpy as np

    from .prove import Prover

    prover = _PROVERS.get(path) or _PROVERS.setdefault(path, Prover(path))
    t0 = time.perf_counter()
    try:
        bundle = prover.prove_values(np.asarray(values, dtype=np.float64))
    except ZkVerifyError:
        raise
    except BaseException as e:
        if isinstance(e, KeyboardInterrupt | SystemExit):
            raise
        # pyo3 panics are BaseExceptions that cannot even be pickled back to the server.
        raise EngineError(f"ezkl prove failed: {_one_line(e)}") from None
    return bundle.model_dump(mode="json"), time.perf_counter() - t0


def verify_job(path: str, bundle: dict[str, Any]) -> dict[str, Any]:
    """The verdict on a bundle (zkverify.verdict.decide); a proof that cannot be checked is invalid."""
    from .errors import BundleError, CircuitError
    from .verify import verify_bundle

    try:
        return verify_bundle(path, bundle).to_dict()
    except (CircuitError, BundleError):
        raise  # a broken hosted circuit is the node's fault; a non-bundle was refused before
    except BaseException as e:
        # Any other failure to check a proof (ezkl errors, pyo3 panics on garbled field
        # elements, which are BaseExceptions) means "not valid"; nothing the bundle claims is echoed.
        if isinstance(e, KeyboardInterrupt | SystemExit):
            raise
        return {"valid": False, "reason": f"the proof could not be checked: {_one_line(e)}",
                "field": "proof", "circuit": None, "proof_hash": None, "prediction": None,
                "inputs": None, "outputs": None, "seconds": 0.0}


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else type(e).__name__


def verifier_job(path: str) -> str:
    """The circuit's Solidity verifier source (needs zkverify.evm)."""
    from .evm import verifier_source
    from .manifest import CircuitDir

    return verifier_source(CircuitDir(path))
