"""Float accuracy vs in-circuit accuracy on the held-out test split of each example circuit.

The float model runs in onnxruntime; the circuit's outputs come from ezkl's witness (the
exact fixed-point computation a proof attests to). The class scores are the output the spec
declares (``classifier``). Test data: examples/data/{name}_test.npz (arrays by input name,
batch first) or {name}_test.npy. Writes benchmarks/results/accuracy.json.

    python benchmarks/accuracy.py [--circuits digits_mlp iris_forest ...] [--limit N]
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
CIRCUITS = ["digits_mlp", "digits_cnn", "cancer_mlp", "iris_forest", "cancer_boosting",
            "digits_gru", "digits_transformer", "iris_two_input"]


def test_feeds(name: str, inputs: list) -> list[list[np.ndarray]]:
    from zkverify.inputs import coerce_batch, load_input_file

    data = ROOT / "examples/data"
    path = data / f"{name}_test.npz"
    if not path.exists():
        path = data / f"{name}_test.npy"
    return coerce_batch(load_input_file(path), inputs, str(path))


def main() -> None:
    from zkverify.circuit import build
    from zkverify.exporting import run_onnx
    from zkverify.quantize import circuit_outputs

    ap = argparse.ArgumentParser()
    ap.add_argument("--circuits", nargs="+", default=CIRCUITS)
    ap.add_argument("--limit", type=int, default=0, help="test at most N samples in the circuit")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/accuracy.json")
    args = ap.parse_args()
    old = json.loads(args.out.read_text()).get("circuits", {}) if args.out.exists() else {}
    results = dict(old)
    with tempfile.TemporaryDirectory(prefix="zkv-acc-") as tmp:
        for name in args.circuits:
            res = build(ROOT / "circuits" / f"{name}.toml", Path(tmp) / name)
            card = res.circuit.load_card()
            inputs = card.input_tensors()
            outputs = [o.name for o in card.outputs]
            k = next(i for i, o in enumerate(card.outputs) if o.prediction == "argmax")
            feeds = test_feeds(name, inputs)
            y = np.load(ROOT / "examples/data" / f"{name}_test_labels.npy")
            floats = np.asarray([o[k].reshape(-1) for o in run_onnx(
                res.circuit.onnx, [[a.reshape(t.shape) for a, t in zip(f, inputs, strict=True)]
                                   for f in feeds], all_outputs=True)])
            n = min(len(feeds), args.limit) if args.limit else len(feeds)
            t0 = time.perf_counter()
            circ = np.asarray([o[k] for o in circuit_outputs(res.circuit.compiled, feeds[:n])])
            results[name] = {
                "test_samples": int(len(feeds)), "circuit_samples": int(n),
                "class_output": outputs[k],
                "float_accuracy": float((floats.argmax(1) == y).mean()),
                "float_accuracy_on_circuit_samples": float((floats[:n].argmax(1) == y[:n]).mean()),
                "circuit_accuracy": float((circ.argmax(1) == y[:n]).mean()),
                "argmax_agreement": float((floats[:n].argmax(1) == circ.argmax(1)).mean()),
                "max_abs_error": float(np.abs(floats[:n] - circ).max()),
                "mean_abs_error": float(np.abs(floats[:n] - circ).mean()),
                "logrows": res.manifest.logrows,
                "scales": [res.manifest.run_args["input_scale"], res.manifest.run_args["param_scale"]],
                "witness_seconds_per_sample": (time.perf_counter() - t0) / max(n, 1),
            }
            print(name, json.dumps(results[name]), flush=True)
    out = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform()}, "circuits": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
