"""Where the service's CPU work runs: worker processes behind a bounded admission gate.

Proving and verifying are CPU-bound and blocking, so they never run on the event loop. They
run in worker *processes*, not threads: ezkl calls silence fd 2 around themselves
(engine._quiet_stderr), which is process-wide and would race between threads, and processes
also sidestep the GIL. Each worker loads its circuits once (``Prover``) and reuses them.

A :class:`Gate` in front of each pool admits at most ``limit`` jobs at once and keeps at most
``max_queue`` waiting; past that the caller gets :class:`Overloaded` (429), and a job that
waited longer than ``timeout`` seconds gets 503, so an overloaded node answers quickly instead
of piling up work. A job that *runs* longer than ``job_timeout`` seconds has its workers
killed and replaced (:class:`JobTimeout`, 503): one pathological request cannot hold a worker.

Workers die with their node: each sets a parent-death signal (Linux ``PR_SET_PDEATHSIG``) and
runs a watchdog thread on its parent's pid, so a ``kill -9`` of ``zkverify serve`` leaves no
orphaned worker (nor, once they are gone, multiprocessing's resource tracker, which exits when
the last process holding its pipe does).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
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


class JobTimeout(ServiceError):
    """A job ran past the pool's job timeout; its workers were killed and replaced."""


# Linux delivers PR_SET_PDEATHSIG when the *thread* that forked the worker exits, not the
# process. Every executor is therefore created on this one thread, which lives as long as the
# process (asyncio.to_thread's threads may be retired while the node runs).
_SPAWNER = ThreadPoolExecutor(1, thread_name_prefix="zkverify-spawner")


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
                 circuit_paths: list[str], job_timeout: float | None = None) -> None:
        if job_timeout is not None and job_timeout <= 0:
            raise ServiceError(f"{name}: need job_timeout > 0")
        self.gate = Gate(name, workers, max_queue, timeout)
        self.workers = workers
        self.job_timeout = job_timeout
        self._paths = circuit_paths
        self._executor: ProcessPoolExecutor | None = None
        self._restart_lock = asyncio.Lock()
        self.restarts = 0

    def start(self) -> None:
        self._executor = _SPAWNER.submit(self._new_executor).result()

    async def start_async(self) -> None:
        self._executor = await asyncio.wrap_future(_SPAWNER.submit(self._new_executor))

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the server process has threads (uvicorn, sqlite, anyio) by now.
        ctx = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_worker_init,
                                       initargs=(self._paths, os.getpid()))
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
                return await asyncio.wait_for(asyncio.wrap_future(executor.submit(fn, *args)),
                                              self.job_timeout)
            except BrokenProcessPool:
                await self._replace(executor)
                raise WorkerDied(f"a {self.gate.name} worker process died; the workers were "
                                 f"restarted, retry") from None
            except TimeoutError:
                # A running job cannot be cancelled, only its process killed. That breaks the
                # executor (other jobs on it get WorkerDied), so it is replaced like a crash.
                _kill_workers(executor)
                await self._replace(executor)
                raise JobTimeout(f"a {self.gate.name} job ran longer than {self.job_timeout:g}s "
                                 f"and was stopped") from None

    async def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A dead worker breaks the whole executor; swap in a new one (once per breakage)."""
        async with self._restart_lock:
            if self._executor is not broken:
                return
            self._executor = await asyncio.wrap_future(_SPAWNER.submit(self._new_executor))
            self.restarts += 1
            broken.shutdown(wait=False, cancel_futures=True)


def _kill_workers(executor: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop a running job; its _processes map is the
    # only handle on the worker processes (stable since Python 3.2).
    for proc in list(getattr(executor, "_processes", {}).values()):
        with contextlib.suppress(ProcessLookupError, OSError, ValueError):
            proc.kill()


# --- jobs (run inside the worker processes) -----------------------------------------------

_PROVERS: dict[str, Any] = {}
_PR_SET_PDEATHSIG = 1


def _worker_init(paths: list[str], parent: int) -> None:
    """Tie the worker's life to its node's, then load the circuits."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the node died before the signal was armed
        os._exit(1)
    # The fallback where the signal does not exist (macOS) or was lost with a spawning thread.
    threading.Thread(target=_watch_parent, args=(parent,), name="zkverify-watchdog",
                     daemon=True).start()
    _load_provers(paths)


def _watch_parent(parent: int, interval: float = 1.0) -> None:
    while True:
        time.sleep(interval)
        if os.getppid() != parent:
            os._exit(1)


def _load_provers(paths: list[str]) -> None:
    from .proving import Prover

    for p in paths:
        _PROVERS[p] = Prover(p)


def prove_job(path: str, data: dict[str, Any]) -> tuple[dict[str, Any], float]:
    """Prove one (already checked) input in ezkl's form; returns the bundle as JSON data and
    seconds."""
    from .proving import Prover

    prover = _PROVERS.get(path) or _PROVERS.setdefault(path, Prover(path))
    t0 = time.perf_counter()
    try:
        bundle = prover.prove_request(data)
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
    from .verifying import verify_bundle

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
