"""Float accuracy vs in-circuit accuracy on the held-out test split of each example circuit.

The float model runs in onnxruntime; the circuit's outputs come from ezkl's witness (the
exact fixed-point computation a proof attests to). Writes benchmarks/results/accuracy.json.

    python benchmarks/accuracy.py [--circuits digits_mlp digits_cnn cancer_mlp]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    from zkverify.circuit import build
    from zkverify.exporting import run_onnx
    from zkverify.quantize import circuit_outputs

    ap = argparse.ArgumentParser()
    ap.add_argument("--circuits", nargs="+", default=["digits_mlp", "digits_cnn", "cancer_mlp"])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/accuracy.json")
    args = ap.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="zkv-acc-") as tmp:
        for name in args.circuits:
            res = build(ROOT / "circuits" / f"{name}.toml", Path(tmp) / name)
            x = np.load(ROOT / "examples/data" / f"{name}_test.npy")
            y = np.load(ROOT / "examples/data" / f"{name}_test_labels.npy")
            shape = tuple(res.manifest.input_shapes[0])
            floats = np.asarray([o.reshape(-1) for o in
                                 run_onnx(res.circuit.onnx, [s.reshape(shape) for s in x])])
            t0 = time.perf_counter()
            circ = circuit_outputs(res.circuit.compiled, x.reshape(len(x), -1).astype(np.float64))
            results[name] = {
                "test_samples": int(len(x)),
                "float_accuracy": float((floats.argmax(1) == y).mean()),
                "circuit_accuracy": float((circ.argmax(1) == y).mean()),
                "argmax_agreement": float((floats.argmax(1) == circ.argmax(1)).mean()),
                "max_abs_error": float(np.abs(floats - circ).max()),
                "mean_abs_error": float(np.abs(floats - circ).mean()),
                "logrows": res.manifest.logrows,
                "scales": [res.manifest.run_args["input_scale"], res.manifest.run_args["param_scale"]],
                "witness_seconds_per_sample": (time.perf_counter() - t0) / len(x),
            }
            print(name, json.dumps(results[name]))
    out = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform()}, "circuits": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
