"""Batch proving on the tiny circuit: real proofs, a real process pool, a real local Ray."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from zkverify.batch import JOURNAL, SUMMARY, bundle_name, is_batch_input, read_journal, run_batch
from zkverify.cli import cli
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.verifying import verify_bundle

ZKVERIFY = str(Path(sys.executable).parent / "zkverify")


def write_jsonl(path: Path, rows: list[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def good_rows(n: int, seed: int = 0) -> list[list[float]]:
    return np.random.default_rng(seed).uniform(-1, 1, (n, 4)).round(4).tolist()


def bundles(out: Path) -> dict[int, ProofBundle]:
    return {int(p.stem.split("-")[1]): ProofBundle.load(p) for p in sorted(out.glob("proof-*.json"))}


def assert_all_valid(circuit: CircuitDir, out: Path) -> None:
    for i, b in bundles(out).items():
        v = verify_bundle(circuit, b)
        assert v.valid, (i, v.reason)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def test_jsonl_batch_reports_bad_input_and_proves_the_rest(tiny_circuit: CircuitDir,
                                                            tmp_path: Path) -> None:
    rows: list[object] = good_rows(3)
    rows.insert(1, [1.0, 2.0])  # wrong size
    rows.append({"input_data": [[0.5, -0.5, 0.25, 0.0]]})  # ezkl's form works per line too
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "proofs"
    result = CliRunner().invoke(cli, ["prove", str(tiny_circuit.path), str(src), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0].startswith(
        "5 inputs: 4 proved, 0 skipped (already proved), 1 failed in ")
    assert f"  failed #1: {src}:2: expected 4 values for shape [1, 4], got 2" in result.output
    assert sorted(bundles(out)) == [0, 2, 3, 4]
    assert_all_valid(tiny_circuit, out)
    summary = json.loads((out / SUMMARY).read_text())
    assert (summary["count"], summary["ok"], summary["failed"], summary["skipped"]) == (5, 4, 1, 0)
    assert summary["proofs_per_minute"] > 0
    assert summary["prove_seconds_vs_estimate"] > 0  # how far the cost model was off
    assert summary["failures"] == [{"index": 1, "error": f"{src}:2: expected 4 values for shape "
                                                         f"[1, 4], got 2"}]
    # Input 4 came as {"input_data": ...}: the bundle records exactly those public inputs.
    assert bundles(out)[4].input_values == [[0.5, -0.5, 0.25, 0.0]]


def test_resume_skips_valid_bundles_and_reproves_damaged_ones(tiny_circuit: CircuitDir,
                                                              tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", good_rows(4, seed=1))
    out = tmp_path / "proofs"
    first = run_batch(tiny_circuit.path, src, out)
    assert first["ok"] == 4
    hashes = {i: b.proof_hash() for i, b in bundles(out).items()}
    (out / bundle_name(0)).unlink()
    damaged = json.loads((out / bundle_name(1)).read_text())
    damaged["outputs"][0]["prediction"] = 1 - damaged["outputs"][0]["prediction"]  # parses fine,
    # but is not what we wrote
    (out / bundle_name(1)).write_text(json.dumps(damaged))
    rows = good_rows(4, seed=1)
    rows[2] = [0.0, 0.0, 0.0, 0.0]  # a changed input must not keep its old proof
    write_jsonl(src, rows)
    second = run_batch(tiny_circuit.path, src, out)
    assert (second["ok"], second["skipped"], second["failed"]) == (3, 1, 0)
    after = {i: b.proof_hash() for i, b in bundles(out).items()}
    assert after[3] == hashes[3] and all(after[i] != hashes[i] for i in (0, 1, 2))
    assert bundles(out)[2].input_values == [[0.0, 0.0, 0.0, 0.0]]
    assert_all_valid(tiny_circuit, out)


def _wait_for_journal(out: Path, lines: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        j = out / JOURNAL
        if j.is_file() and len(j.read_text().splitlines()) >= lines:
            return
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("no progress within 60 s")


@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGINT, 2), (signal.SIGKILL, 1)])
def test_interrupted_run_leaves_whole_bundles_and_resumes(tiny_circuit: CircuitDir, tmp_path: Path,
                                                          sig: int, workers: int) -> None:
    n = 40  # enough that the run is still going when the signal arrives
    src = write_jsonl(tmp_path / "in.jsonl", good_rows(n, seed=2))
    out = tmp_path / "proofs"
    cmd = [ZKVERIFY, "prove", str(tiny_circuit.path), str(src), "-o", str(out),
           "--workers", str(workers)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_journal(out, 2, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and b"interrupted" in err
        assert json.loads((out / SUMMARY).read_text())["interrupted"] is True
    else:
        assert proc.returncode == -signal.SIGKILL
    done = bundles(out)  # every bundle on disk parses: none is half-written
    assert 2 <= len(done) < n
    assert_all_valid(tiny_circuit, out)
    journaled = set(read_journal(out)) & set(done)
    rerun = subprocess.run(cmd + ["--json"], capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    assert summary["skipped"] == len(journaled) >= 2 and summary["skipped"] + summary["ok"] == n
    assert summary["failed"] == 0 and summary["interrupted"] is False
    assert sorted(bundles(out)) == list(range(n))
    assert all(bundles(out)[i].proof_hash() == done[i].proof_hash() for i in journaled)
    assert_all_valid(tiny_circuit, out)


def test_npy_batch_on_two_workers_matches_in_process(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    arr = np.asarray(good_rows(4, seed=3)).reshape(4, 1, 4)
    arr[2, 0, 1] = np.nan
    np.save(tmp_path / "in.npy", arr)
    assert is_batch_input(tmp_path / "in.npy", tiny_circuit.load_card().input_tensors())
    local = run_batch(tiny_circuit.path, tmp_path / "in.npy", tmp_path / "local")
    pool = run_batch(tiny_circuit.path, tmp_path / "in.npy", tmp_path / "pool", workers=2)
    assert (pool["backend"], pool["workers"], pool["ok"], pool["failed"]) == ("pool", 2, 3, 1)
    assert pool["failures"][0]["index"] == 2 and "is nan" in pool["failures"][0]["error"]
    assert local["ok"] == 3
    a, b = bundles(tmp_path / "local"), bundles(tmp_path / "pool")
    assert sorted(a) == sorted(b) == [0, 1, 3]
    for i in a:
        assert (a[i].inputs, a[i].outputs, a[i].prediction) == (b[i].inputs, b[i].outputs,
                                                                b[i].prediction)
        assert a[i].proof["instances"] == b[i].proof["instances"]
    assert_all_valid(tiny_circuit, tmp_path / "pool")


def test_single_npy_input_keeps_single_mode(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    np.save(tmp_path / "one.npy", np.asarray(good_rows(1)).reshape(1, 4))
    assert not is_batch_input(tmp_path / "one.npy", tiny_circuit.load_card().input_tensors())
    runner = CliRunner()
    res = runner.invoke(cli, ["prove", str(tiny_circuit.path), str(tmp_path / "one.npy"),
                              "-o", str(tmp_path / "p.json"), "--workers", "2"])
    assert res.exit_code == 2
    assert res.output == ("error: --workers and --ray apply to a batch of inputs (.jsonl or "
                          "batched .npy)\n")
