"""Batched circuits: inferences per second and gas per inference for B = 1, 4, 16, 64.

    python benchmarks/batched.py [B ...]

Model: digits_mlp (circuits/digits_mlp.toml). For each B, side by side in one run:
* ``default``: `zkverify build --batch-size B` at the calibrated default (public inputs);
* ``hashed``: the same with hashed inputs (calldata no longer grows with B's input values);
* ``tuned``: `zkverify tune --batch-size B` (scale 7, decomposition 1024^2, 2 inner columns,
  the tuner's search narrowed to the settings it picks for B = 1; every candidate proven).
Each is proved on a full batch of B held-out digits with zkverify (`Prover.prove_inputs`) and,
on the same compiled circuit and keys, with bare ezkl (gen_witness + prove); the bundle is
verified on the in-process EVM for gas. Writes benchmarks/results/batched.json and .png.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SPEC = ROOT / "circuits" / "digits_mlp.toml"


def bare_ezkl(cd: Path, feed: list[np.ndarray], work: Path) -> float:
    import ezkl  # the baseline is ezkl itself, not zkverify's engine wrapper

    data, wit, proof = work / "in.json", work / "w.json", work / "p.json"
    data.write_text(json.dumps({"input_data": [a.reshape(-1).tolist() for a in feed]}))
    t0 = time.perf_counter()
    ezkl.gen_witness(data=str(data), model=str(cd / "model.compiled"), output=str(wit))
    ezkl.prove(witness=str(wit), model=str(cd / "model.compiled"), pk_path=str(cd / "pk.key"),
               proof_path=str(proof), srs_path=str(cd / "kzg.srs"))
    return time.perf_counter() - t0


def measure(cd: Path, b: int, digits: np.ndarray, labels: np.ndarray, work: Path) -> dict[str, Any]:
    from zkverify import evm
    from zkverify.batching import pack
    from zkverify.manifest import CircuitDir
    from zkverify.proving import Prover
    from zkverify.verdict import decide
    from zkverify.verifying import load_public

    prover = Prover(cd)
    feeds = [[row.astype(np.float64)] for row in digits[:b]]
    t0 = time.perf_counter()
    bundle = prover.prove_inputs(feeds) if prover.batch_size else prover.prove_values(feeds[0])
    zk_seconds = time.perf_counter() - t0
    packed = pack(feeds, prover.inputs, b) if prover.batch_size else feeds[0]
    ezkl_seconds = bare_ezkl(cd, packed, work)
    check, calls = evm.evm_check(evm.load_verifier(CircuitDir(cd)))
    verdict = decide(load_public(cd), bundle.model_dump(mode="json"), check, checked_by="evm")
    assert verdict.valid, verdict.reason
    preds = verdict.predictions or []
    m = prover.manifest
    gas = calls[0].gas if calls else None
    return {
        "batch_size": b, "logrows": m.logrows, "num_rows": m.num_rows,
        "input_scale": m.run_args.get("input_scale"), "pk_bytes": cd.joinpath("pk.key").stat().st_size,
        "prove_seconds": round(zk_seconds, 3), "ezkl_prove_seconds": round(ezkl_seconds, 3),
        "zkverify_over_ezkl": round(zk_seconds / ezkl_seconds, 3),
        "inferences_per_second": round(b / zk_seconds, 3),
        "ezkl_inferences_per_second": round(b / ezkl_seconds, 3),
        "gas": gas, "gas_per_inference": gas // b if gas else None,
        "calldata_instances": sum(len(c) for c in bundle.proof["instances"]),
        "argmax_agreement": m.quantization.get("argmax_agreement"),
        "correct_in_batch": int(sum(int(p == y) for p, y in zip(preds, labels[:b], strict=False))),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


def main(sizes: list[int]) -> None:
    from zkverify.circuit import BuildConfig, build
    from zkverify.tuning import SearchSpace, tune

    digits = np.load(ROOT / "examples" / "data" / "digits_mlp_test.npy").reshape(-1, 64)
    labels = np.load(ROOT / "examples" / "data" / "digits_mlp_test_labels.npy").reshape(-1)
    work = Path(tempfile.mkdtemp(prefix="zkverify-batched-"))
    rows: list[dict[str, Any]] = []
    space = SearchSpace(scales=(7,), decomp=((1024, 2),), inner_cols=(2,), prove_top=1)
    try:
        for b in sizes:
            batch = b if b > 1 else None
            for mode in ("default", "hashed", "tuned"):
                cd = work / f"{mode}-{b}"
                t0 = time.perf_counter()
                if mode == "tuned":
                    tune(SPEC, cd, BuildConfig(batch_size=batch), space=space)
                else:
                    build(SPEC, cd, BuildConfig(batch_size=batch, input_visibility=(
                        "hashed" if mode == "hashed" else None)))
                row = {"mode": mode, "build_seconds": round(time.perf_counter() - t0, 1),
                       **measure(cd, b, digits, labels, work)}
                rows.append(row)
                print(json.dumps(row), flush=True)
                shutil.rmtree(cd, ignore_errors=True)  # keys of hundreds of MB
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = {r["mode"]: r for r in rows if r["batch_size"] == 1}
    for r in rows:
        one = base.get(r["mode"])
        if one:
            r["throughput_vs_b1"] = round(r["inferences_per_second"] / one["inferences_per_second"], 2)
            if r["gas_per_inference"] and one["gas_per_inference"]:
                r["gas_per_inference_vs_b1"] = round(r["gas_per_inference"] / one["gas_per_inference"], 3)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"model": "digits_mlp", "machine": f"{os.cpu_count()} cores x86_64, 24 GiB",
           "note": "prove_seconds: zkverify witness + prove + bundle for one full batch; "
                   "ezkl_prove_seconds: bare ezkl gen_witness + prove on the same files",
           "rows": rows}
    (RESULTS / "batched.json").write_text(json.dumps(out, indent=1) + "\n")
    plot(rows)


def plot(rows: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, g) = plt.subplots(1, 2, figsize=(10, 4))
    for mode in ("default", "hashed", "tuned"):
        rs = [r for r in rows if r["mode"] == mode]
        bs = [r["batch_size"] for r in rs]
        a.plot(bs, [r["inferences_per_second"] for r in rs], marker="o", label=mode)
        g.plot(bs, [r["gas_per_inference"] for r in rs], marker="o", label=mode)
    for ax, label in ((a, "inferences per second"), (g, "gas per inference")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("batch size B (digits_mlp, 2 cores)")
        ax.set_ylabel(label)
        ax.legend()
    g.set_yscale("log")
    fig.tight_layout()
    fig.savefig(RESULTS / "batched.png", dpi=110)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1, 4, 16, 64])
