"""``zkverify serve --ray ADDR``: the node's proving runs on Ray actors in a cluster, while the
node keeps HTTP, the admission queue (the same :class:`~zkverify.pool.Gate`, so 429/503 behave
as without Ray) and the proof log.

Each actor loads every hosted circuit once; a node of the cluster that does not see the
circuit directory gets its files from Ray's object store, checked against the manifest hashes
(``backends._local_circuit``). Actors are spread over the cluster's nodes. A Ray failure on one
job (an actor or its node lost) is a WorkerDied (503) and the actor is replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import time
from typing import Any

from .errors import EngineError, ServiceError, UsageError, ZkVerifyError
from .pool import WorkerDied, WorkerPool


class ServeProver:
    """A Ray actor holding the node's circuits (made remote lazily, so Ray stays optional)."""

    def __init__(self, circuits: list[tuple[str, dict[str, Any], dict[str, str]]]) -> None:
        from .backends import _local_circuit
        from .proving import Prover

        os.environ.setdefault("RAYON_NUM_THREADS", "1")
        self.provers = {path: Prover(_local_circuit(path, files, expected))
                        for path, files, expected in circuits}

    def prove(self, path: str, data: dict[str, Any]) -> tuple[dict[str, Any], float]:
        """As zkverify.pool.prove_job: one checked request in ezkl's form."""
        t0 = time.perf_counter()
        bundle = self.provers[path].prove_request(data)
        return bundle.model_dump(mode="json"), time.perf_counter() - t0

    def where(self) -> dict[str, Any]:
        import ray

        return {"node_id": ray.get_runtime_context().get_node_id(), "pid": os.getpid()}


class RayPool(WorkerPool):
    """The prove pool on Ray: ``run(prove_job, path, values)`` goes to the next idle actor."""

    def __init__(self, name: str, workers: int, max_queue: int, timeout: float,
                 circuit_paths: list[str], job_timeout: float | None, address: str) -> None:
        super().__init__(name, workers, max_queue, timeout, circuit_paths, job_timeout)
        self.address = address
        self._actors: list[Any] = []
        self._idle: asyncio.Queue[Any] | None = None
        self._started_ray = False
        self._circuits: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self._seq = itertools.count()

    def start(self) -> None:
        self._start()

    async def start_async(self) -> None:
        await asyncio.to_thread(self._start)
        self._idle = asyncio.Queue()
        for a in self._actors:
            self._idle.put_nowait(a)

    def _start(self) -> None:
        try:
            import ray
        except ImportError:
            raise UsageError("--ray needs the ray extra: pip install 'zkverify[ray]'") from None
        from .backends import PROVE_FILES
        from .manifest import CircuitDir

        if not ray.is_initialized():
            try:
                ray.init(address=self.address, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise UsageError(f"--ray {self.address}: cannot reach a Ray cluster "
                                 f"({str(e).strip().splitlines()[0][:200]})") from None
            self._started_ray = True
        for path in self._paths:
            cd = CircuitDir(path)
            files = {n: ray.put(cd.file(n).read_bytes()) for n in PROVE_FILES}
            self._circuits.append((path, files, cd.hashes()))
        self._actors = [self._new_actor() for _ in range(self.workers)]
        ray.get([a.where.remote() for a in self._actors])  # loaded, before the node says ready

    def _new_actor(self) -> Any:
        import ray

        actor = ray.remote(num_cpus=1, scheduling_strategy="SPREAD")(ServeProver)
        return actor.remote(self._circuits)

    def placement(self) -> list[dict[str, Any]]:
        """Where each actor runs (Ray node id, pid)."""
        import ray

        return list(ray.get([a.where.remote() for a in self._actors]))

    def shutdown(self) -> None:
        import ray

        for a in self._actors:
            with contextlib.suppress(Exception):  # the cluster may be gone already
                ray.kill(a)
        self._actors = []
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False

    async def run(self, fn: Any, *args: Any) -> Any:
        import ray

        async with self.gate.slot():
            if self._idle is None:
                raise ServiceError(f"{self.gate.name} pool is not running")
            actor = await self._idle.get()
            try:
                ref = actor.prove.remote(*args)
                return await asyncio.wait_for(asyncio.wrap_future(ref.future()), self.job_timeout)
            except ray.exceptions.RayTaskError as e:
                cause = e.cause if isinstance(e.cause, Exception) else None
                if isinstance(cause, ZkVerifyError):
                    raise cause from None
                raise EngineError(f"ezkl prove failed on Ray: {_line(e)}") from None
            except (ray.exceptions.RayError, TimeoutError) as e:
                ray.kill(actor)
                actor = self._new_actor()
                self.restarts += 1
                raise WorkerDied(f"a Ray prover failed ({_line(e)}); it was replaced, retry") from None
            finally:
                self._idle.put_nowait(actor)


def _line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__
