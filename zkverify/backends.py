"""Where a batch's proofs run: in this process, on a local process pool, or on Ray actors.

Every backend loads the circuit once per worker and returns ``Outcome``s to the driver, which
alone writes bundles (so a Ray cluster needs no shared filesystem, and a killed worker can
never leave a half-written file). Ray is an optional extra, imported only here.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .batch import Outcome, prove_item
from .batching import Packed
from .errors import EngineError, UsageError
from .inputs import Feed
from .proving import PROVE_FILES, Prover

Record = Callable[[Outcome], None]
Tasks = list[tuple[int, Feed | Packed]]
_PROVER: Prover | None = None


def threads_per_worker(workers: int) -> int:
    """ezkl proves with a rayon pool as wide as the machine; N workers share the cores."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def run_local(prover: Prover, todo: Tasks, record: Record) -> None:
    for index, values in todo:
        record(prove_item(prover, index, values))


def _init_worker(circuit_path: str, threads: int) -> None:
    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C and stops us
    _die_with_parent()
    global _PROVER
    _PROVER = Prover(circuit_path)


def _die_with_parent() -> None:
    """Linux: a SIGKILLed driver takes its pool with it instead of leaving orphans proving."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _work(index: int, values: Feed | Packed) -> Outcome:
    assert _PROVER is not None
    return prove_item(_PROVER, index, values)


def run_pool(prover: Prover, todo: Tasks, record: Record, workers: int) -> None:
    """A spawned process pool (fork is unsafe once ezkl's rayon threads exist)."""
    ex = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_init_worker,
                             initargs=(str(prover.cd.path), threads_per_worker(workers)))
    pending: dict[Future[Outcome], int] = {}
    queue: Iterator[tuple[int, Feed | Packed]] = iter(todo)
    try:
        while True:
            while len(pending) < 2 * workers and (task := next(queue, None)) is not None:
                pending[ex.submit(_work, *task)] = task[0]
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                index = pending.pop(fut)
                try:
                    record(fut.result())
                except BrokenProcessPool:
                    record(Outcome(index, "failed", "a worker process died (out of memory?)"))
                    queue = iter(())  # the pool is gone: leave the rest as not run
    finally:
        _stop_pool(ex)


def _stop_pool(ex: ProcessPoolExecutor) -> None:
    procs = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        if p.is_alive():
            p.terminate()
    for p in procs:
        p.join(timeout=5)


class ProverActor:
    """A Ray actor holding one loaded circuit (made remote lazily, so Ray stays optional)."""

    def __init__(self, circuit_path: str, files: dict[str, Any], expected: dict[str, str],
                 threads: int) -> None:
        os.environ.setdefault("RAYON_NUM_THREADS", str(threads))
        self.prover = Prover(_local_circuit(circuit_path, files, expected))

    def prove(self, index: int, values: Feed | Packed) -> Outcome:
        return prove_item(self.prover, index, values)

    def pid(self) -> int:
        return os.getpid()


def _local_circuit(path: str, files: dict[str, Any], expected: dict[str, str]) -> str:
    """The driver's circuit dir when this node sees the same one, else a copy from the object store."""
    from .errors import ZkVerifyError
    from .manifest import CircuitDir

    try:
        if CircuitDir(path).hashes() == expected and CircuitDir(path).pk.is_file():
            return path
    except ZkVerifyError:
        pass
    import ray

    local = Path(tempfile.mkdtemp(prefix="zkverify-circuit-"))
    for name, ref in files.items():
        (local / name).write_bytes(ray.get(ref))
    return str(local)


def run_ray(prover: Prover, todo: Tasks, record: Record, address: str, workers: int) -> int:
    """Fan out over Ray actors; ``address`` is ``local``, ``auto`` or a cluster address."""
    ray = import_ray()
    from ray.util import ActorPool

    started = ray_init(address)
    try:
        n = workers if workers > 1 else max(1, int(ray.available_resources().get("CPU", 1)))
        if not todo:
            return n
        n = min(n, len(todo))
        files = {name: ray.put(prover.cd.file(name).read_bytes()) for name in PROVE_FILES}
        actor = ray.remote(num_cpus=1)(ProverActor)
        threads = threads_per_worker(n) if address == "local" else 1
        actors = [actor.remote(str(prover.cd.path.resolve()), files, prover.hashes, threads)
                  for _ in range(n)]
        pool = ActorPool(actors)
        for task in todo:
            pool.submit(lambda a, t: a.prove.remote(*t), task)
        try:
            while pool.has_next():
                record(pool.get_next_unordered())
        except ray.exceptions.RayError as e:
            raise EngineError(f"ray worker failed: {_line(e)}") from None
        finally:
            for a in actors:
                ray.kill(a)
        return n
    finally:
        if started:
            ray.shutdown()


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs the ray extra: pip install 'zkverify[ray]'") from None
    return ray


def ray_init(address: str, **local: Any) -> bool:
    """Join (or, for ``local``, start) a Ray cluster; whether we started it (and must shut it
    down). ``local`` options go to a locally started one (e.g. ``num_cpus``)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    try:
        if address == "local":
            ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False,
                     log_to_driver=False, **local)
        else:
            ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise UsageError(f"--ray {address}: cannot reach a Ray cluster ({_line(e)})") from None
    return True


def _line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:200] if text else type(e).__name__
