"""The service under stress: admission limits (429/503), kill -9 with requests in flight."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service_fixtures import TOKEN, ProcessServer, ThreadServer
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.pool import Gate, Overloaded

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def burst_infer(url: str, n: int, values: list[float] | None = None) -> list[httpx.Response]:
    """``n`` infer requests sent at once from ``n`` threads."""
    start = threading.Barrier(n)

    def one(_: int) -> httpx.Response:
        start.wait()
        return httpx.post(url + "/v1/circuits/tiny_mlp/infer", json=values or [0.1, 0.2, 0.3, 0.4],
                          headers=AUTH, timeout=60)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_full_queue_answers_429_and_the_node_keeps_serving(tiny_circuit: CircuitDir,
                                                           tmp_path: Path) -> None:
    with ThreadServer([tiny_circuit.path], tmp_path / "db", max_concurrency=1, max_queue=1,
                      verify_workers=1) as s:
        answers = burst_infer(s.url, 6)
        codes = sorted(r.status_code for r in answers)
        assert set(codes) <= {200, 429}, [r.text for r in answers]
        assert codes.count(200) >= 2 and codes.count(429) >= 1
        for r in answers:
            if r.status_code == 429:
                assert r.headers["retry-after"] == "1" and "queue is full" in r.json()["detail"]
            else:  # every proof handed out is on record
                h = r.json()["proof_hash"]
                assert httpx.get(f"{s.url}/v1/proofs/{h}").json() == r.json()["bundle"]
        metrics = httpx.get(s.url + "/metrics").text
        assert 'zkverify_rejected_total{pool="prove",status="429"}' in metrics
        health = httpx.get(s.url + "/healthz").json()
        assert health["queues"]["prove"] == {"running": 0, "waiting": 0, "workers": 1, "max_queue": 1,
                                            "restarts": 0}
        assert burst_infer(s.url, 1)[0].status_code == 200


def test_waiting_past_the_queue_timeout_answers_503(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    # One worker, ~0.3 s a proof, 0.1 s patience: whoever waits behind a proof gives up.
    with ThreadServer([tiny_circuit.path], tmp_path / "db", max_concurrency=1, max_queue=8,
                      queue_timeout=0.1, verify_workers=1) as s:
        answers = burst_infer(s.url, 4)
        codes = sorted(r.status_code for r in answers)
        assert set(codes) <= {200, 503} and codes.count(200) >= 1 and codes.count(503) >= 1, codes
        assert all("busy" in r.json()["detail"] for r in answers if r.status_code == 503)
        assert httpx.get(s.url + "/healthz").json()["queues"]["prove"]["waiting"] == 0


def test_a_dead_worker_is_replaced(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    with ThreadServer([tiny_circuit.path], tmp_path / "db", max_concurrency=1,
                      verify_workers=1) as s:
        pool = s.app.state.pools["prove"]
        (pid,) = list(pool._executor._processes)  # the one prove worker this test's server started
        os.kill(pid, signal.SIGKILL)
        codes = []
        for _ in range(3):
            r = burst_infer(s.url, 1)[0]
            codes.append(r.status_code)
            if r.status_code == 200:
                break
            assert r.status_code == 503 and "worker process died" in r.json()["detail"]
        assert codes[-1] == 200 and 503 in codes, codes
        assert httpx.get(s.url + "/healthz").json()["queues"]["prove"]["restarts"] == 1


def test_gate_hands_slots_over_in_order_and_survives_cancellation() -> None:
    async def scenario() -> None:
        gate = Gate("test", limit=1, max_queue=2, timeout=5)
        order: list[str] = []

        async def job(name: str, hold: float) -> None:
            async with gate.slot():
                order.append(name)
                await asyncio.sleep(hold)

        first = asyncio.create_task(job("a", 0.05))
        await asyncio.sleep(0)
        waiting = [asyncio.create_task(job(n, 0)) for n in ("b", "c")]
        await asyncio.sleep(0)
        assert (gate.running, gate.waiting) == (1, 2)
        with pytest.raises(Overloaded) as e:
            async with gate.slot():
                pass
        assert e.value.status == 429
        waiting[0].cancel()  # a waiter that gives up must not keep or leak a slot
        await asyncio.gather(first, waiting[1])
        assert order == ["a", "c"] and (gate.running, gate.waiting) == (0, 0)
        await job("d", 0)
        assert order[-1] == "d" and gate.running == 0

    asyncio.run(scenario())


def test_every_proof_received_survives_kill_9(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    db = tmp_path / "proofs.sqlite3"
    server = ProcessServer([tiny_circuit.path], db, tmp_path / "serve1.log", "--max-queue", "16")
    received: list[dict[str, Any]] = []
    failed: list[str] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        try:
            r = httpx.post(server.url + "/v1/circuits/tiny_mlp/infer",
                           json=[i / 10, -i / 20, 0.25, 0.5], headers=AUTH, timeout=60)
            with lock:
                (received.append(r.json()) if r.status_code == 200 else failed.append(r.text))
        except httpx.HTTPError as e:
            with lock:
                failed.append(type(e).__name__)

    try:
        threads = [threading.Thread(target=client, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(received) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill9()  # requests are still queued and proving
        for t in threads:
            t.join(60)
    finally:
        server.stop()
    assert len(received) >= 3 and failed, (len(received), failed)

    restarted = ProcessServer([tiny_circuit.path], db, tmp_path / "serve2.log")
    try:
        for answer in received:
            r = httpx.get(f"{restarted.url}/v1/proofs/{answer['proof_hash']}")
            assert r.status_code == 200 and r.json() == answer["bundle"]
            assert ProofBundle.from_obj(r.json()).proof_hash() == answer["proof_hash"]
            verdict = httpx.post(restarted.url + "/v1/verify", json=r.json(), timeout=60).json()
            assert verdict["valid"] is True and verdict["produced_here"] is True
    finally:
        restarted.stop()
    logs = (tmp_path / "serve1.log").read_text() + (tmp_path / "serve2.log").read_text()
    assert "POST /v1/circuits/tiny_mlp/infer" in logs and TOKEN not in logs
