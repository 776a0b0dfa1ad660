"""The main job, end to end on the digits MLP: build the circuit from the PyTorch model, prove one
held-out digit, verify the proof locally, then compile the Solidity verifier and verify the same
proof on an EVM (in-process pyrevm), printing figures and timings along the way.

    python examples/demo.py [--out demo-out]

Each step is the real CLI command a user would type; they are printed before they run.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def step(title: str, *args: str) -> tuple[str, float]:
    cmd = [sys.executable, "-m", "zkverify", *args]
    print(f"\n== {title}\n$ zkverify {shlex.join(args)}", flush=True)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True)
    seconds = time.perf_counter() - t0
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode != 0:
        sys.exit(f"demo failed at '{title}' (exit {r.returncode})")
    print(f"   [{seconds:.1f}s]")
    return r.stdout, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "demo-out")
    out = ap.parse_args().out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    circuit, proof = out / "digits_mlp", out / "proof.json"
    sample = ROOT / "examples/data/digits_mlp_input.json"
    timings = {}
    _, timings["build"] = step("build the circuit (export, calibrate, compile, SRS, keys)",
                               "build", "circuits/digits_mlp.toml", "-o", str(circuit))
    manifest = json.loads((circuit / "manifest.json").read_text())
    _, timings["prove"] = step("prove one held-out digit", "prove", str(circuit), str(sample),
                               "-o", str(proof))
    _, timings["verify"] = step("verify locally", "verify", str(circuit), str(proof))
    _, timings["evm_export"] = step("Solidity verifier (solcjs)", "evm", "export", str(circuit),
                                    "-o", str(out / "evm"))
    evm_out, timings["evm_verify"] = step("verify on an EVM (pyrevm)", "evm", "verify",
                                          str(circuit), str(proof), "--json")
    evm = json.loads(evm_out)
    q = manifest["quantization"]
    print("\n== summary")
    print(f"circuit: logrows {manifest['logrows']}, {manifest['num_rows']} rows, scales "
          f"{manifest['run_args']['input_scale']}/{manifest['run_args']['param_scale']}")
    print(f"quantization on {q['samples']} calibration digits: max abs error "
          f"{q['max_abs_error']:.4g}, mean abs error {q['mean_abs_error']:.4g}, argmax agreement "
          f"{q['argmax_agreement'] * 100:.1f}%")
    label = None
    labels = ROOT / "examples/data/digits_mlp_test_labels.npy"
    if labels.exists():
        import numpy as np

        label = int(np.load(labels)[0])
    bundle = json.loads(proof.read_text())
    logits = bundle["outputs"][0]  # bundle/2: one named entry per output, its proven prediction
    print(f"proved prediction: {logits['prediction']} (true label {label}; the EVM verdict says "
          f"{evm.get('prediction')})")
    print(f"on-chain verifyProof: valid={evm.get('valid')}, gas {evm.get('gas')}")
    print("timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    if not evm.get("valid"):
        sys.exit("demo failed: the EVM rejected the proof")


if __name__ == "__main__":
    main()
