"""Measure proving costs on this machine and fit zkverify's cost model.

    python benchmarks/fit_cost_model.py measure   # runs circuits x settings -> data/cost_runs.json
    python benchmarks/fit_cost_model.py gas       # only the verifyProof gas runs, then fit
    python benchmarks/fit_cost_model.py fit       # data/cost_runs.json -> zkverify/cost_model.json

Each run happens in a fresh subprocess so its peak RSS (from wait4) is the run's own: settings,
compile, key setup and one proof of the example input. The fit is least squares on
ln(target) = b0 + b1 logrows ln2 + b2 ln(inner cols) + b3 ln(rows); verifyProof gas is linear
in the public instances and inner columns, measured with pyrevm (zkverify.evm) on each example
circuit (the EZKL-NOTES figures are the fallback).
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data" / "cost_runs.json"
MODEL = ROOT / "zkverify" / "cost_model.json"
CIRCUITS = ("digits_mlp", "cancer_mlp", "digits_cnn")
# (input/param scale, decomp_base, decomp_legs, num_inner_cols): logrows 10..15 on these models.
GRID = [(7, 32, 4, 4), (7, 1024, 2, 2), (7, 32, 4, 1), (7, 4096, 2, 2), (7, 8192, 2, 1),
        (7, 16384, 2, 2)]
# verifyProof gas from /work/shared/EZKL-NOTES.md (pyrevm): (public instances, gas)
NOTES_GAS = [(6, 536_012), (794, 1_247_399), (11, 654_036), (10, 540_309)]


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cores, {platform.python_implementation()} " \
           f"{platform.python_version()}, ezkl 23.0.5"


def one(onnx: str, run_args: str, sample: str, out: str) -> None:
    """Child process: settings, compile, SRS (cached), setup, prove; print the measurements."""
    from zkverify import engine
    from zkverify.estimating import public_instances
    from zkverify.keys import get_srs

    ra = json.loads(run_args)
    t = Path(tempfile.mkdtemp(prefix="costrun-"))
    settings, compiled = t / "settings.json", t / "model.compiled"
    engine.gen_settings(Path(onnx), settings, **ra)
    if "logrows" not in ra:  # pick the smallest logrows that fits, like the tuner
        s = json.loads(settings.read_text())
        ra["logrows"] = max(math.ceil(math.log2(s["num_rows"] + 32)),
                            math.ceil(math.log2(ra.get("decomp_base", 16384) + 32)))
        engine.gen_settings(Path(onnx), settings, **ra)
    engine.compile_circuit(Path(onnx), compiled, settings)
    s = json.loads(settings.read_text())
    srs = get_srs(int(s["run_args"]["logrows"]))
    t0 = time.perf_counter()
    engine.setup(compiled, t / "vk.key", t / "pk.key", srs.path)
    setup_s = time.perf_counter() - t0
    engine.gen_witness(Path(sample), compiled, t / "witness.json")
    t0 = time.perf_counter()
    engine.prove(t / "witness.json", compiled, t / "pk.key", t / "proof.json", srs.path)
    prove_s = time.perf_counter() - t0
    ok, _ = engine.verify(t / "proof.json", settings, t / "vk.key", srs.path)
    Path(out).write_text(json.dumps({
        "settings": {k: s[k] for k in ("run_args", "num_rows", "total_assignments",
                                       "model_instance_shapes", "required_range_checks",
                                       "required_lookups")},
        "public_instances": public_instances(s), "setup_seconds": setup_s,
        "prove_seconds": prove_s, "pk_bytes": (t / "pk.key").stat().st_size, "verified": ok,
    }))
    shutil.rmtree(t, ignore_errors=True)


def run_child(onnx: Path, run_args: dict, sample: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    proc = subprocess.Popen([sys.executable, __file__, "one", str(onnx), json.dumps(run_args),
                             str(sample), out])
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"run failed: {onnx} {run_args}")
    rec = json.loads(Path(out).read_text())
    rec["peak_memory_bytes"] = usage.ru_maxrss * 1024
    rec["load_avg_1min"] = os.getloadavg()[0]
    return rec


def measure() -> None:
    from zkverify.circuit import BuildConfig, make_settings, materialize_onnx, plan
    from zkverify.files import write_json_atomic
    from zkverify.manifest import CircuitDir

    runs = []
    work = Path(tempfile.mkdtemp(prefix="zkverify-costruns-"))
    for name in CIRCUITS:
        p = plan(ROOT / "circuits" / f"{name}.toml", BuildConfig())
        cd = CircuitDir(work / name)
        cd.path.mkdir()
        shape = materialize_onnx(p, cd.onnx)
        cal = np.load(p.config.calibration_data).reshape(-1, math.prod(shape))
        sample = work / f"{name}-input.json"
        write_json_atomic(sample, {"input_data": [cal[0].tolist()]})
        write_json_atomic(work / f"{name}-cal.json", {"input_data": [cal.reshape(-1).tolist()]})
        make_settings(p, cd, work / f"{name}-cal.json")  # ezkl's calibrated default
        default = {k: v for k, v in cd.settings_json()["run_args"].items()
                   if k in ("input_scale", "param_scale", "logrows", "decomp_base", "decomp_legs",
                            "num_inner_cols", "scale_rebase_multiplier")}
        configs = [dict(zip(("input_scale", "decomp_base", "decomp_legs", "num_inner_cols"), g,
                            strict=True)) for g in GRID]
        for c in configs:
            c["param_scale"] = c["input_scale"]
        for ra in [default, *configs]:
            rec = run_child(cd.onnx, ra, sample)
            rec["circuit"] = name
            rec["gas"] = None
            runs.append(rec)
            print(name, rec["settings"]["run_args"]["logrows"], round(rec["setup_seconds"], 2),
                  round(rec["prove_seconds"], 2), rec["pk_bytes"], rec["peak_memory_bytes"],
                  flush=True)
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps({"machine": machine(), "runs": runs}, indent=1))
    shutil.rmtree(work, ignore_errors=True)


def measure_gas() -> None:
    """verifyProof gas in pyrevm (zkverify.evm) for each example circuit at 1, 2 and 4 columns."""
    from zkverify import evm
    from zkverify.circuit import BuildConfig, build
    from zkverify.estimating import public_instances
    from zkverify.proving import Prover

    data = json.loads(DATA.read_text())
    points = []
    work = Path(tempfile.mkdtemp(prefix="zkverify-gas-"))
    for name in CIRCUITS:
        for cols in (1, 2, 4):
            ra = {"input_scale": 7, "param_scale": 7, "decomp_base": 1024, "decomp_legs": 2,
                  "num_inner_cols": cols}
            res = build(ROOT / "circuits" / f"{name}.toml", work / f"{name}-{cols}",
                        BuildConfig(calibrate=False, run_args=ra))
            bundle = Prover(res.circuit.path).prove_file(res.circuit.input)
            r = evm.verify_in_evm(evm.load_verifier(res.circuit), evm.calldata(bundle),
                                  code_size_limit=10**7)
            s = res.circuit.settings_json()
            points.append({"circuit": name, "public_instances": public_instances(s),
                           "num_inner_cols": cols, "logrows": res.manifest.logrows,
                           "gas": r.gas, "valid": r.valid})
            print(points[-1], flush=True)
            shutil.rmtree(res.circuit.path, ignore_errors=True)
    data["gas_runs"] = points
    DATA.write_text(json.dumps(data, indent=1))
    shutil.rmtree(work, ignore_errors=True)


def dense_floors(path: Path = ROOT / "benchmarks" / "results" / "sliced.json") -> dict:
    """Floors of peak memory (per pk byte) and of prove and setup time (per pk byte times the
    fraction of rows used), from the dense circuits of the sliced benchmark (every slice and
    whole circuit there uses most of its rows): the smallest ratio over its configurations, so
    load on the machine (which only adds time) cannot raise it. Memory is not scaled by the
    rows used: the whole pk is in memory however sparse the circuit."""
    try:
        runs = json.loads(path.read_text())["runs"]
    except (OSError, ValueError, KeyError):
        return {}
    ratios: dict[str, list[float]] = {"peak_memory_bytes": [], "prove_seconds": [],
                                      "setup_seconds": []}
    logrows, seen = 0, []
    for spec, run in runs.items():
        for row in run["rows"]:
            p1 = row.get("prove_workers_1") or {}
            if p1.get("rc") != 0 or not row.get("pk_bytes_total"):
                continue
            total, largest = row["pk_bytes_total"], row["pk_bytes_largest"]
            fill = sum(row["rows"]) / sum(2 ** k for k in row["logrows"])
            prove = sum(p1.get("slice_prove_seconds") or [p1.get("prove_seconds") or 0])
            ratios["peak_memory_bytes"].append(p1["peak_rss_bytes"] / largest)
            if prove:
                ratios["prove_seconds"].append(prove / (total * fill))
            if row.get("setup_seconds"):
                ratios["setup_seconds"].append(row["setup_seconds"] / (total * fill))
            logrows = max(logrows, *row["logrows"])
            seen.append(f"{spec}/{row['config']}")
    if not seen:
        return {}
    names = {"peak_memory_bytes": "peak_memory_bytes_per_pk_byte",
             "prove_seconds": "prove_seconds_per_used_pk_byte",
             "setup_seconds": "setup_seconds_per_used_pk_byte"}
    return {**{names[t]: float(f"{min(v):.4g}") for t, v in ratios.items() if v},
            "max_logrows": logrows, "from": seen}


def fit() -> None:
    from zkverify.estimating import TARGETS, features

    data = json.loads(DATA.read_text())
    runs = [r for r in data["runs"] if r["verified"]]
    X = np.asarray([[1.0, *features(r["settings"]).values()] for r in runs])
    names = ["intercept", *features(runs[0]["settings"]).keys()]
    targets = {}
    for t in TARGETS:
        y = np.log([r[t] for r in runs])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        resid = y - X @ coef
        targets[t] = {n: round(float(c), 6) for n, c in zip(names, coef, strict=True)}
        targets[t]["rms_log_error"] = round(float(np.sqrt(np.mean(resid ** 2))), 4)
    # Measured points when there are some, else the EZKL-NOTES figures (2 inner columns).
    gas_pts = [(g["public_instances"], g["num_inner_cols"], g["gas"])
               for g in data.get("gas_runs", []) if g.get("valid")]
    gas_pts = gas_pts or [(n, 2, v) for n, v in NOTES_GAS]
    A = np.asarray([[1.0, n, c] for n, c, _ in gas_pts])
    g, *_ = np.linalg.lstsq(A, np.asarray([float(v) for *_, v in gas_pts]), rcond=None)
    fitted = [int(r["settings"]["run_args"]["logrows"]) for r in runs]
    model = {"format": "zkverify.cost-model/1", "machine": data["machine"],
             "fitted_on_runs": len(runs), "fitted_logrows": [min(fitted), max(fitted)],
             "targets": targets, "dense_floors": dense_floors(),
             "gas": {"intercept": round(float(g[0])), "per_instance": round(float(g[1]), 2),
                     "per_inner_col": round(float(g[2])), "points": len(gas_pts)}}
    MODEL.write_text(json.dumps(model, indent=2) + "\n")
    print(json.dumps(model, indent=2))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "measure"
    if cmd == "one":
        one(*sys.argv[2:6])
    elif cmd == "measure":
        measure()
        measure_gas()
        fit()
    elif cmd == "gas":
        measure_gas()
        fit()
    else:
        fit()
