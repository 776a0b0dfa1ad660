"""A bounded load run against a real `zkverify serve` on 127.0.0.1: throughput and latency.

Starts `zkverify serve` as a subprocess on a free port (a fresh SQLite db, a random token),
then, from this process:
  1. infer: N requests (default 20) at a small concurrency; every answer must be a proof;
  2. verify: M requests (default 500) at C concurrent (default 20) with the bundles the node
     just produced, every 10th one tampered (one proof byte flipped); every verdict is checked.
Latency is measured per request at the client (connection reuse on, as a real client would).
The client shares the machine with the server, so the figures are a floor, not a ceiling.

    python benchmarks/service_load.py [--circuit DIR] [--verify 500] [--concurrency 20]
        [--infer 20] [--infer-concurrency 2] [--out benchmarks/results/service_load.json]

Without --circuit it builds the tests' tiny MLP (4-8-2, logrows 10) in a temp dir.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TINY_RUN_ARGS = {"input_scale": 7, "param_scale": 7, "logrows": 10, "decomp_base": 32,
                 "decomp_legs": 4}


def build_tiny(work: Path) -> Path:
    from zkverify.circuit import BuildConfig, build
    from zkverify.exporting import export_model

    export_model(f"{ROOT / 'tests' / 'tiny_model.py'}:tiny_mlp", (1, 4), work / "model")
    build(work / "model" / "network.onnx", work / "tiny_mlp",
          BuildConfig(name="tiny_mlp", calibrate=False, run_args=dict(TINY_RUN_ARGS)))
    return work / "tiny_mlp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(circuit: Path, work: Path, token: str, args: argparse.Namespace) -> tuple[Any, str]:
    port = free_port()
    cmd = [str(Path(sys.executable).parent / "zkverify"), "serve", str(circuit), "--port", str(port),
           "--db", str(work / "proofs.sqlite3"), "--max-concurrency", str(args.prove_workers),
           "--max-queue", "64", "--verify-workers", str(args.verify_workers),
           "--max-verify-queue", "256"]
    log = open(work / "serve.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "ZKVERIFY_TOKEN": token})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"zkverify serve exited: {(work / 'serve.log').read_text()[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    sys.exit("zkverify serve did not come up")


def summary(latencies: list[float], wall: float) -> dict[str, Any]:
    ms = np.array(latencies) * 1000
    return {"requests": len(latencies), "seconds": round(wall, 3),
            "throughput_rps": round(len(latencies) / wall, 2),
            "latency_ms": {"p50": round(float(np.percentile(ms, 50)), 2),
                           "p90": round(float(np.percentile(ms, 90)), 2),
                           "p99": round(float(np.percentile(ms, 99)), 2),
                           "max": round(float(ms.max()), 2), "mean": round(float(ms.mean()), 2)}}


async def load(url: str, n: int, concurrency: int, make: Any) -> tuple[list[Any], float]:
    """``n`` requests, ``concurrency`` at a time; ``make(client, i)`` sends one, returns a record."""
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        async def one(i: int) -> Any:
            async with sem:
                return await make(client, i)

        t0 = time.perf_counter()
        records = await asyncio.gather(*(one(i) for i in range(n)))
        return list(records), time.perf_counter() - t0


def run_infer(url: str, cid: str, token: str, n: int,
              concurrency: int) -> tuple[dict[str, Any], list[Any]]:
    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, size=(n, 4)).round(3).tolist()

    async def make(client: httpx.AsyncClient, i: int) -> tuple[float, int, dict[str, Any]]:
        t0 = time.perf_counter()
        r = await client.post(f"/v1/circuits/{cid}/infer", json=[inputs[i]],
                              headers={"Authorization": f"Bearer {token}"})
        return time.perf_counter() - t0, r.status_code, r.json()

    records, wall = asyncio.run(load(url, n, concurrency, make))
    bad = [(s, a) for _, s, a in records if s != 200]
    if bad:
        sys.exit(f"infer failed: {bad[0]}")
    out = summary([lat for lat, _, _ in records], wall)
    out["concurrency"] = concurrency
    prove = np.array([a["prove_seconds"] for _, _, a in records]) * 1000
    out["server_prove_ms"] = {"p50": round(float(np.percentile(prove, 50)), 2),
                              "p99": round(float(np.percentile(prove, 99)), 2)}
    return out, [a["bundle"] for _, _, a in records]


def flip_byte(bundle: dict[str, Any]) -> dict[str, Any]:
    b = copy.deepcopy(bundle)
    b["proof"]["proof"][40] = (b["proof"]["proof"][40] + 1) % 256
    b["proof"]["hex_proof"] = "0x" + bytes(b["proof"]["proof"]).hex()
    return b


def run_verify(url: str, bundles: list[dict[str, Any]], n: int, concurrency: int) -> dict[str, Any]:
    bodies = [json.dumps(b).encode() for b in bundles]
    bad_bodies = [json.dumps(flip_byte(b)).encode() for b in bundles[:3]]

    async def make(client: httpx.AsyncClient, i: int) -> tuple[float, int, bool]:
        tamper = i % 10 == 9
        body = bad_bodies[i % len(bad_bodies)] if tamper else bodies[i % len(bodies)]
        t0 = time.perf_counter()
        r = await client.post("/v1/verify", content=body, headers={"Content-Type": "application/json"})
        lat = time.perf_counter() - t0
        return lat, r.status_code, r.status_code == 200 and r.json()["valid"] is (not tamper)

    asyncio.run(load(url, min(n, 40), concurrency, make))  # warm-up: connections, worker caches
    records, wall = asyncio.run(load(url, n, concurrency, make))
    out = summary([lat for lat, _, _ in records], wall)
    out["concurrency"] = concurrency
    out["tampered"] = n // 10
    out["status_counts"] = {str(s): sum(1 for _, c, _ in records if c == s)
                            for s in sorted({c for _, c, _ in records})}
    out["correct_verdicts"] = sum(1 for _, _, ok in records if ok)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--circuit", type=Path, help="A built circuit directory (default: tiny MLP).")
    ap.add_argument("--verify", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--infer", type=int, default=20)
    ap.add_argument("--infer-concurrency", type=int, default=2)
    ap.add_argument("--prove-workers", type=int, default=1)
    ap.add_argument("--verify-workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "service_load.json")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="zkverify-load-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("ZKVERIFY_CACHE_DIR", str(work / "cache"))
        circuit = args.circuit or build_tiny(work)
        from zkverify.manifest import CircuitDir

        manifest = CircuitDir(circuit).load_manifest()
        token = secrets.token_hex(16)
        load_before = os.getloadavg()
        proc, url = start_server(circuit, work, token, args)
        try:
            infer, bundles = run_infer(url, manifest.name, token, args.infer, args.infer_concurrency)
            verify = run_verify(url, bundles, args.verify, args.concurrency)
            metrics = httpx.get(url + "/metrics").text
        finally:
            proc.terminate()
            proc.wait(30)
    rejected = [ln for ln in metrics.splitlines() if ln.startswith("zkverify_rejected_total")]
    result = {
        "what": "zkverify serve under a bounded load on 127.0.0.1 (client and server on one machine)",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "circuit": {"name": manifest.name, "logrows": manifest.logrows,
                    "input_shape": manifest.input_shapes[0]},
        "server": {"prove_workers": args.prove_workers, "verify_workers": args.verify_workers},
        "infer": infer,
        "verify": verify,
        "rejected": rejected,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    from zkverify.files import write_json_atomic

    write_json_atomic(args.out, result)
    print(json.dumps(result, indent=2))
    if verify["correct_verdicts"] != args.verify:
        sys.exit(f"{args.verify - verify['correct_verdicts']} wrong or failed verdicts")


if __name__ == "__main__":
    main()
