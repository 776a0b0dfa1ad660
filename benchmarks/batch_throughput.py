"""Batch throughput: a plain loop of ezkl.prove vs zkverify's batch (1 process, pool, Ray).

    python benchmarks/batch_throughput.py [N_INPUTS]

Circuit: digits_mlp at fixed tuner-style settings (scale 7, decomposition 1024^2, 2 inner
columns, logrows 12; `zkverify tune` lands within a few tenths of a second of this), inputs: the
first N digits test images.
The plain loop calls ezkl.gen_witness + ezkl.prove directly, no bundles, no checks; the
others write verified-format bundles through `zkverify.batch.run_batch`.
Writes benchmarks/results/batch_throughput.json and .png.
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
RUN_ARGS = {"input_scale": 7, "param_scale": 7, "decomp_base": 1024, "decomp_legs": 2,
            "num_inner_cols": 2, "logrows": 12}


def plain_loop(circuit: Path, inputs: np.ndarray, work: Path) -> float:
    import ezkl  # the baseline is ezkl itself, not zkverify's engine wrapper

    t0 = time.perf_counter()
    for i, row in enumerate(inputs):
        data, wit, proof = work / f"in{i}.json", work / f"w{i}.json", work / f"p{i}.json"
        data.write_text(json.dumps({"input_data": [row.tolist()]}))
        ezkl.gen_witness(data=str(data), model=str(circuit / "model.compiled"), output=str(wit))
        ezkl.prove(witness=str(wit), model=str(circuit / "model.compiled"),
                   pk_path=str(circuit / "pk.key"), proof_path=str(proof),
                   srs_path=str(circuit / "kzg.srs"))
    return time.perf_counter() - t0


def main(n: int) -> None:
    from zkverify.batch import run_batch
    from zkverify.circuit import BuildConfig, build

    work = Path(tempfile.mkdtemp(prefix="zkverify-bt-"))
    circuit = work / "digits_mlp"
    build(ROOT / "circuits" / "digits_mlp.toml", circuit,
          BuildConfig(calibrate=False, run_args=dict(RUN_ARGS)))
    inputs = np.load(ROOT / "examples" / "data" / "digits_mlp_test.npy").reshape(-1, 64)[:n]
    np.save(work / "inputs.npy", inputs)
    results = []

    def add(mode: str, seconds: float, workers: int, ok: int) -> None:
        results.append({"mode": mode, "workers": workers, "proofs": ok,
                        "seconds": round(seconds, 2),
                        "proofs_per_minute": round(ok / seconds * 60, 1),
                        "load_avg_1min": round(os.getloadavg()[0], 1)})
        print(json.dumps(results[-1]), flush=True)

    (work / "plain").mkdir()
    add("plain ezkl.prove loop", plain_loop(circuit, inputs, work / "plain"), 1, n)
    for mode, kw in (("zkverify batch, 1 process", {"workers": 1}),
                     ("zkverify batch, process pool", {"workers": 2}),
                     ("zkverify batch, Ray local", {"workers": 2, "ray_address": "local"})):
        t0 = time.perf_counter()
        s = run_batch(circuit, work / "inputs.npy", work / mode.split(", ")[1].replace(" ", "-"),
                      **kw)  # type: ignore[arg-type]
        add(mode, time.perf_counter() - t0, s["workers"], s["ok"])
        results[-1]["batch_summary_proofs_per_minute"] = s["proofs_per_minute"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"circuit": "digits_mlp", "run_args": RUN_ARGS, "inputs": n,
           "machine": f"{os.cpu_count()} cores", "note": "wall time includes worker/Ray start",
           "results": results}
    (RESULTS / "batch_throughput.json").write_text(json.dumps(out, indent=1) + "\n")
    plot(results)
    shutil.rmtree(work, ignore_errors=True)  # circuits with 100 MB keys


def plot(results: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    ax.barh([r["mode"] for r in results], [r["proofs_per_minute"] for r in results],
            color=["grey", "C0", "C1", "C2"])
    ax.set_xlabel("proofs per minute (digits_mlp, logrows 12, 2 cores)")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(RESULTS / "batch_throughput.png", dpi=110)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 24)
