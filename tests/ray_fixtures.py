"""A real two-node Ray cluster on this machine: `ray start --head` and `ray start --address`,
each with one CPU, in a private temp dir, with token authentication (Ray 2.60 turns it on for
`ray start`; the token lives in the environment, never in ~/.ray).

Stopped by the process groups we started (never `ray stop`, which stops every Ray on the
machine, including other users' and other test runs').
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .netutil import free_port

RAY = str(Path(sys.executable).parent / "ray")


@dataclass(frozen=True)
class Cluster:
    address: str
    env: dict[str, str]  # what a driver needs to join (the token)


def _wait_nodes(address: str, env: dict[str, str], n: int, procs: list[subprocess.Popen[bytes]],
                timeout: float = 120) -> None:
    probe = ("import ray,sys; ray.init(address=sys.argv[1], log_to_driver=False); "
             "print(sum(1 for x in ray.nodes() if x['Alive'])); ray.shutdown()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"ray start exited with {p.returncode}")
        r = subprocess.run([sys.executable, "-c", probe, address], capture_output=True,
                           text=True, env=env, timeout=120)
        if r.returncode == 0 and r.stdout.strip().isdigit() and int(r.stdout) >= n:
            return
        time.sleep(0.5)
    raise RuntimeError(f"the Ray cluster at {address} did not reach {n} nodes")


@contextlib.contextmanager
def two_node_cluster(tmp: Path) -> Iterator[Cluster]:
    port = free_port()
    address = f"127.0.0.1:{port}"
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16),
           "RAY_USAGE_STATS_ENABLED": "0"}
    common = ["--block", "--num-cpus", "1", "--node-ip-address", "127.0.0.1",
              "--disable-usage-stats"]
    procs: list[subprocess.Popen[bytes]] = []
    logs = []

    def start(name: str, *args: str) -> None:
        log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed below
        logs.append(log)
        procs.append(subprocess.Popen([RAY, "start", *common, *args], stdout=log,
                                      stderr=subprocess.STDOUT, env=env, start_new_session=True))

    try:
        start("head", "--head", "--port", str(port), "--temp-dir", str(tmp / "ray"),
              "--include-dashboard", "false")
        _wait_nodes(address, env, 1, procs)
        start("worker", "--address", address)
        _wait_nodes(address, env, 2, procs)
        yield Cluster(address, env)
    finally:
        for p in reversed(procs):  # workers first; SIGTERM drains for up to 30 s, so not long
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(2)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)
        for log in logs:
            log.close()
