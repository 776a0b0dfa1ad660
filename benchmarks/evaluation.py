"""Proven accuracy on the digits test split (450 samples): wall time per chunk size and workers.

    python benchmarks/evaluation.py [CHUNK ...] [--workers=1,2]

For each chunk size C: `zkverify evaluate circuits/digits_mlp.toml` (calibrated default), then
`prove --data --labels` with 1 and 2 workers, `verify`; the proven accuracy is compared with the
float model's and with the in-circuit accuracy of the plain circuit's quantization. Writes
benchmarks/results/evaluation.json.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
X = ROOT / "examples" / "data" / "digits_mlp_test.npy"
Y = ROOT / "examples" / "data" / "digits_mlp_test_labels.npy"


def float_accuracy() -> float:
    import torch

    sys.path.insert(0, str(ROOT / "examples"))
    from models import digits_mlp

    m = digits_mlp()
    m.load_state_dict(torch.load(ROOT / "examples" / "weights" / "digits_mlp.pt"))
    x = torch.tensor(np.load(X).reshape(-1, 64), dtype=torch.float32)
    with torch.no_grad():
        pred = m(x).argmax(-1).numpy()
    return float((pred == np.load(Y).reshape(-1)).mean())


def main(chunks: list[int], worker_counts: tuple[int, ...] = (1, 2)) -> None:
    from zkverify.evaluation import build_evaluation, prove_evaluation
    from zkverify.verifying import verify_bundle

    work = Path(tempfile.mkdtemp(prefix="zkverify-evalbench-"))
    rows: list[dict] = []
    in_circuit = in_circuit_accuracy()
    try:
        for c in chunks:
            cd = work / f"eval-{c}"
            t0 = time.perf_counter()
            res = build_evaluation(ROOT / "circuits" / "digits_mlp.toml", cd, X, Y, c)
            row = {"chunk_size": c, "build_seconds": round(time.perf_counter() - t0, 1),
                   "logrows": res.manifest.logrows, "num_rows": res.manifest.num_rows,
                   "pk_bytes": (cd / "pk.key").stat().st_size}
            rows.append(row)
            for workers in worker_counts:
                out = work / f"ev-{c}-{workers}.json"
                t0 = time.perf_counter()
                b = prove_evaluation(cd, X, Y, out, workers=workers)
                row[f"prove_seconds_{workers}_workers"] = round(time.perf_counter() - t0, 1)
                row[f"load_avg_1min_{workers}_workers"] = round(os.getloadavg()[0], 2)
                if "valid" not in row:
                    t0 = time.perf_counter()
                    v = verify_bundle(cd, out)
                    row.update(verify_seconds=round(time.perf_counter() - t0, 2), valid=v.valid,
                               accuracy=v.accuracy, correct=v.correct, total=v.total,
                               chunks=b["evaluation"]["chunks"], bundle_bytes=out.stat().st_size,
                               dataset_sha256=v.dataset_sha256,
                               equals_in_circuit_accuracy=v.accuracy == in_circuit)
                print(json.dumps(row), flush=True)
                write(rows, in_circuit)  # after every proof: a long run keeps what it measured
            shutil.rmtree(cd, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def in_circuit_accuracy() -> float:
    """The plain circuit's in-circuit accuracy on the same 450 samples (the README's table)."""
    table = json.loads((RESULTS / "accuracy.json").read_text())
    return float(table["circuits"]["digits_mlp"]["circuit_accuracy"])


def write(rows: list[dict], in_circuit: float) -> None:
    """Rows of this run, and an earlier run's rows for chunk sizes not run again."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    try:
        earlier = json.loads((RESULTS / "evaluation.json").read_text())["rows"]
    except (OSError, ValueError, KeyError):
        earlier = []
    ran = {r["chunk_size"] for r in rows}
    rows = sorted([r for r in earlier if r["chunk_size"] not in ran] + rows,
                  key=lambda r: r["chunk_size"])
    tmp = RESULTS / "evaluation.json.tmp"
    tmp.write_text(json.dumps({
        "model": "digits_mlp", "data": "digits test split (450 samples)",
        "float_accuracy": float_accuracy(), "in_circuit_accuracy": in_circuit,
        "machine": f"{os.cpu_count()} cores x86_64, 24 GiB", "rows": rows}, indent=1) + "\n")
    tmp.replace(RESULTS / "evaluation.json")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--workers=")]
    counts = next((tuple(int(x) for x in a.split("=", 1)[1].split(","))
                   for a in sys.argv[1:] if a.startswith("--workers=")), (1, 2))
    main([int(a) for a in args] or [16, 32], counts)
