"""Issue 11, items 4, 6 and 7 (service side), on real uvicorn servers on 127.0.0.1: per-circuit
work cached, Verifier.sol built once, running jobs bounded, a per-client limit, workers that die
with a kill -9'd node, no server paths in errors, a private SQLite file."""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service_fixtures import TOKEN, ProcessServer, ThreadServer
from zkverify import files
from zkverify.errors import CircuitError
from zkverify.manifest import SRS, CircuitDir
from zkverify.store import ProofStore

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture()
def bundle_json(tiny_bundle_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tiny_bundle_path.read_text())
    return data


def _rewrite_keeping_mtime(path: Path, data: bytes) -> None:
    """Change a file in place, same size, with its old mtime put back (only ctime tells)."""
    st = path.stat()
    path.chmod(0o644)
    with open(path, "r+b") as f:
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def test_integrity_hashes_are_cached_until_a_file_changes(circuit_copy: CircuitDir,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[str] = []
    real = files.sha256_file

    def spy(path: Path) -> str:
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(files, "sha256_file", spy)
    circuit_copy.check_integrity()
    assert sorted(hashed) == ["kzg.srs", "settings.json", "vk.key"]
    hashed.clear()
    for _ in range(5):
        circuit_copy.check_integrity()
    assert hashed == []
    vk = bytearray(circuit_copy.vk.read_bytes())
    vk[-1] ^= 1
    _rewrite_keeping_mtime(circuit_copy.vk, bytes(vk))
    with pytest.raises(CircuitError, match="vk.key: does not match"):
        circuit_copy.check_integrity()
    assert hashed == ["vk.key"]


def test_modified_vk_is_noticed_and_errors_hide_server_paths(circuit_copy: CircuitDir,
                                                             tmp_path: Path,
                                                             bundle_json: dict[str, Any]) -> None:
    with ThreadServer([circuit_copy.path], tmp_path / "db", verify_workers=1) as s:
        first = httpx.post(s.url + "/v1/verify", json=bundle_json, timeout=60)
        assert first.status_code == 200 and first.json()["valid"] is True
        vk = bytearray(circuit_copy.vk.read_bytes())
        vk[-1] ^= 1
        _rewrite_keeping_mtime(circuit_copy.vk, bytes(vk))
        r = httpx.post(s.url + "/v1/verify", json=bundle_json, timeout=60)
    assert r.status_code == 500
    detail = r.json()["detail"]
    assert detail.startswith("tiny_mlp/vk.key: does not match vk_sha256 in the circuit card")
    assert str(tmp_path) not in detail and "/tmp" not in detail


def test_verifier_sol_is_built_once_and_a_failure_is_remembered(circuit_copy: CircuitDir,
                                                                tmp_path: Path) -> None:
    srs, away = circuit_copy.file(SRS), tmp_path / "kzg.srs.away"
    url = "/v1/circuits/tiny_mlp/files/Verifier.sol"
    with ThreadServer([circuit_copy.path], tmp_path / "db", verify_workers=1, max_verify_queue=1,
                      verifier_retry=3.0) as s:
        shutil.move(srs, away)  # after hosting: the build fails, the node stays up
        failed = httpx.get(s.url + url, timeout=60)
        assert failed.status_code == 404
        assert failed.json()["detail"] == ("no Solidity verifier for 'tiny_mlp': tiny_mlp/kzg.srs: "
                                           "missing (the circuit directory is incomplete)")
        shutil.move(away, srs)
        t0 = time.monotonic()
        again = httpx.get(s.url + url, timeout=60)  # remembered: not rebuilt at once
        assert again.status_code == 404 and time.monotonic() - t0 < 3.0
        time.sleep(max(0.0, 3.2 - (time.monotonic() - t0)))
        # 8 clients at once, one worker and a queue of one: only a single build may run.
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: httpx.get(s.url + url, timeout=120), range(8)))
        assert [a.status_code for a in answers] == [200] * 8
        assert len({a.text for a in answers}) == 1 and "contract Halo2Verifier" in answers[0].text
        assert s.app.state.verifiers.runs == 2  # the failure and one successful build


def test_per_client_limit_answers_429_with_retry_after(tiny_circuit: CircuitDir, tmp_path: Path,
                                                       bundle_json: dict[str, Any]) -> None:
    with ThreadServer([tiny_circuit.path], tmp_path / "db", verify_workers=1,
                      client_limit=3) as s:
        codes = [httpx.post(s.url + "/v1/verify", json=bundle_json, timeout=60).status_code
                 for _ in range(3)]
        r = httpx.post(s.url + "/v1/verify", json=bundle_json, timeout=60)
        # The token holder is not limited (its work is already authorized).
        authed = httpx.post(s.url + "/v1/verify", json=bundle_json, headers=AUTH, timeout=60)
        metrics = httpx.get(s.url + "/metrics").text
    assert codes == [200, 200, 200]
    assert r.status_code == 429 and r.headers["Retry-After"] == "20"  # 3 a minute: one per 20 s
    assert r.json()["detail"].startswith("too many unauthenticated requests from 127.0.0.1")
    assert authed.status_code == 200
    assert 'zkverify_rejected_total{pool="client",status="429"} 1.0' in metrics


def test_a_running_job_is_bounded(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    with ThreadServer([tiny_circuit.path], tmp_path / "db", job_timeout=0.05) as s:
        t0 = time.monotonic()
        r = httpx.post(s.url + "/v1/circuits/tiny_mlp/infer", json=[0.1, 0.2, 0.3, 0.4],
                       headers=AUTH, timeout=60)
        elapsed = time.monotonic() - t0
        health = httpx.get(s.url + "/healthz").json()
    assert r.status_code == 503
    assert r.json()["detail"] == "a prove job ran longer than 0.05s and was stopped"
    assert health["queues"]["prove"]["restarts"] == 1
    assert elapsed < 30


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which made the files world-readable
    try:
        store = ProofStore(tmp_path / "data" / "proofs.sqlite3")
        store.record("ab" * 32, "c", "2026-01-01T00:00:00Z", {"x": 1})
        modes = {p.name: stat.S_IMODE(p.stat().st_mode)
                 for p in (tmp_path / "data").iterdir()}
        store.close()
    finally:
        os.umask(old)
    assert modes == {"proofs.sqlite3": 0o600, "proofs.sqlite3-wal": 0o600,
                     "proofs.sqlite3-shm": 0o600}


def _descendants(pid: int) -> set[int]:
    """Live (non-zombie) descendants of ``pid``, from /proc."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parent[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"  # a zombie is dead; only its exit status waits for a reaper


def test_workers_die_with_a_killed_node(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    server = ProcessServer([tiny_circuit.path], tmp_path / "db", tmp_path / "serve.log",
                           "--client-limit", "5", "--job-timeout", "60")
    try:
        children = _descendants(server.proc.pid)
        # one prove worker, two verify workers, multiprocessing's resource tracker
        assert len(children) >= 4, children
        server.kill9()
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        survivors = [p for p in children if _alive(p)]
    finally:
        server.stop()
    assert survivors == []
