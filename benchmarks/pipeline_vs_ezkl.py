"""zkverify build+prove+verify vs the bare ezkl tutorial flow, on the digits MLP, in one run.

Cold = empty zkverify cache (SRS generated, calibration and key setup run); warm = the same
build again (cached settings, SRS, compiled circuit and keys). The bare ezkl flow runs
gen_settings, calibrate_settings, compile_circuit, gen_srs, setup, gen_witness, prove, verify
on the same ONNX file and calibration data. Prove times are compared on the same circuit.

    python benchmarks/pipeline_vs_ezkl.py [--repeats 5] [--out benchmarks/results/pipeline.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, *a, **kw):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    r = fn(*a, **kw)
    return r, time.perf_counter() - t0


def bare_ezkl(onnx: Path, cal: np.ndarray, sample: list[float], work: Path, repeats: int) -> dict:
    import ezkl

    f = {n: str(work / n) for n in ("settings.json", "model.compiled", "kzg.srs", "pk.key",
                                    "vk.key", "input.json", "cal.json", "witness.json",
                                    "proof.json")}
    Path(f["cal.json"]).write_text(json.dumps({"input_data": [cal.reshape(-1).tolist()]}))
    Path(f["input.json"]).write_text(json.dumps({"input_data": [sample]}))
    t: dict[str, float] = {}
    ra = ezkl.PyRunArgs()
    ra.input_visibility, ra.output_visibility, ra.param_visibility = "public", "public", "fixed"
    _, t["gen_settings"] = timed(ezkl.gen_settings, model=str(onnx), output=f["settings.json"],
                                 py_run_args=ra)
    _, t["calibrate"] = timed(ezkl.calibrate_settings, data=f["cal.json"], model=str(onnx),
                              settings=f["settings.json"], target="resources")
    _, t["compile"] = timed(ezkl.compile_circuit, model=str(onnx),
                            compiled_circuit=f["model.compiled"], settings_path=f["settings.json"])
    logrows = json.loads(Path(f["settings.json"]).read_text())["run_args"]["logrows"]
    _, t["gen_srs"] = timed(ezkl.gen_srs, f["kzg.srs"], logrows)
    _, t["setup"] = timed(ezkl.setup, model=f["model.compiled"], vk_path=f["vk.key"],
                          pk_path=f["pk.key"], srs_path=f["kzg.srs"])
    _, t["gen_witness"] = timed(ezkl.gen_witness, data=f["input.json"], model=f["model.compiled"],
                                output=f["witness.json"])
    proves = []
    for _ in range(repeats):
        _, s = timed(ezkl.prove, witness=f["witness.json"], model=f["model.compiled"],
                     pk_path=f["pk.key"], proof_path=f["proof.json"], srs_path=f["kzg.srs"])
        proves.append(s)
    ok, t["verify"] = timed(ezkl.verify, proof_path=f["proof.json"], settings_path=f["settings.json"],
                            vk_path=f["vk.key"], srs_path=f["kzg.srs"])
    assert ok
    t["prove_median"] = statistics.median(proves)
    t["total"] = sum(v for k, v in t.items() if k != "prove_median") + sum(proves)
    return {"logrows": logrows, "seconds": t, "prove_runs": proves}


def zk(spec: str, out: Path, repeats: int, input_path: Path) -> dict:
    from zkverify.circuit import build
    from zkverify.proving import Prover
    from zkverify.verifying import verify_bundle

    res, t_build = timed(build, spec, out)
    prover = Prover(out)
    values = prover.coerce(json.loads(input_path.read_text()), str(input_path))
    proves, prove_engine = [], []
    bundle = None
    for _ in range(repeats):
        bundle, s = timed(prover.prove_values, values)
        proves.append(s)
        prove_engine.append(prover.last_prove_seconds)
    assert bundle is not None
    verdict, t_verify = timed(verify_bundle, out, bundle)
    assert verdict.valid
    return {"build": t_build, "build_stages": res.manifest.timings, "keys_reused": res.keys_reused,
            "logrows": res.manifest.logrows, "prove_median": statistics.median(proves),
            "prove_engine_median": statistics.median(prove_engine), "prove_runs": proves,
            "verify": t_verify}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/pipeline.json")
    args = ap.parse_args()
    spec = str(ROOT / "circuits/digits_mlp.toml")
    input_path = ROOT / "examples/data/digits_mlp_input.json"
    with tempfile.TemporaryDirectory(prefix="zkv-bench-") as tmp:
        tmpd = Path(tmp)
        os.environ["ZKVERIFY_CACHE_DIR"] = str(tmpd / "cache")  # cold: an empty cache
        cold = zk(spec, tmpd / "cold", args.repeats, input_path)
        warm = zk(spec, tmpd / "warm", args.repeats, input_path)
        (tmpd / "bare").mkdir()
        cal = np.load(ROOT / "examples/data/digits_mlp_calibration.npy")
        sample = json.loads(input_path.read_text())["input_data"][0]
        bare = bare_ezkl(tmpd / "cold" / "network.onnx", cal, sample, tmpd / "bare", args.repeats)
    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(), "processor": platform.processor()},
        "circuit": "digits_mlp (64-32-10), public input/output, fixed params",
        "zkverify_cold": cold, "zkverify_warm": warm, "bare_ezkl": bare,
        "ratios": {
            "zkverify_prove_over_bare_prove": cold["prove_median"] / bare["seconds"]["prove_median"],
            "warm_build_over_cold_build": warm["build"] / cold["build"],
            "zkverify_cold_build_over_bare_build": cold["build"] / (
                bare["seconds"]["total"] - sum(bare["prove_runs"]) - bare["seconds"]["verify"]
                - bare["seconds"]["gen_witness"]),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["ratios"], indent=2))
    print(f"cold build {cold['build']:.2f}s, warm build {warm['build']:.2f}s, "
          f"zkverify prove {cold['prove_median']:.3f}s vs ezkl prove "
          f"{bare['seconds']['prove_median']:.3f}s")


if __name__ == "__main__":
    main()
