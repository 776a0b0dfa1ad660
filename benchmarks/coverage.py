"""Coverage: bare ezkl's full flow vs zkverify's build/prove/verify on every zoo model and example.

For each model, in one run: bare ezkl (gen_settings with public input/output and fixed params,
calibrate_settings target resources, compile_circuit, gen_srs, setup, gen_witness, prove,
verify), then zkverify (build calibrated on the same data, prove, verify). Pass/fail, logrows
and prove time of each, and the ratio of prove times where both chose the same logrows; then,
on zkverify's own circuit (same settings, keys, SRS), bare ezkl's gen_witness + prove against
zkverify's whole prove (read, witness, prove, decode, bundle written), alternating, medians of
--rounds each: zkverify's overhead alone.
Writes benchmarks/results/coverage.json; the README table is printed with --markdown.

    python benchmarks/coverage.py [--models mlp gru ...] [--examples iris_forest ...] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EXAMPLES = ["iris_forest", "cancer_boosting", "digits_gru", "digits_transformer", "iris_two_input"]


def timed(fn: Any, *a: Any, **kw: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    r = fn(*a, **kw)
    return r, time.perf_counter() - t0


def bare_ezkl(onnx: Path, cal: Path, sample: Path, work: Path) -> dict[str, Any]:
    import ezkl

    f = {n: str(work / n) for n in ("settings.json", "model.compiled", "kzg.srs", "pk.key",
                                    "vk.key", "witness.json", "proof.json")}
    out: dict[str, Any] = {"pass": False}
    try:
        ra = ezkl.PyRunArgs()
        ra.input_visibility, ra.output_visibility, ra.param_visibility = "public", "public", "fixed"
        ezkl.gen_settings(model=str(onnx), output=f["settings.json"], py_run_args=ra)
        _, out["calibrate_s"] = timed(ezkl.calibrate_settings, data=str(cal), model=str(onnx),
                                      settings=f["settings.json"], target="resources")
        ezkl.compile_circuit(model=str(onnx), compiled_circuit=f["model.compiled"],
                             settings_path=f["settings.json"])
        out["logrows"] = json.loads(Path(f["settings.json"]).read_text())["run_args"]["logrows"]
        ezkl.gen_srs(f["kzg.srs"], out["logrows"])
        _, out["setup_s"] = timed(ezkl.setup, model=f["model.compiled"], vk_path=f["vk.key"],
                                  pk_path=f["pk.key"], srs_path=f["kzg.srs"])
        ezkl.gen_witness(data=str(sample), model=f["model.compiled"], output=f["witness.json"])
        _, out["prove_s"] = timed(ezkl.prove, witness=f["witness.json"], model=f["model.compiled"],
                                  pk_path=f["pk.key"], proof_path=f["proof.json"],
                                  srs_path=f["kzg.srs"])
        out["pass"] = bool(ezkl.verify(proof_path=f["proof.json"], settings_path=f["settings.json"],
                                       vk_path=f["vk.key"], srs_path=f["kzg.srs"]))
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200] if str(e) else ''}"
    return out


def zkverify_flow(source: Path, cal: Path, sample: Path, work: Path,
                  classifier: tuple[str, ...]) -> dict[str, Any]:
    from zkverify.circuit import BuildConfig, build
    from zkverify.proving import Prover
    from zkverify.verifying import verify_bundle

    out: dict[str, Any] = {"pass": False}
    try:
        cfg = BuildConfig(calibration_data=cal, classifier_outputs=classifier,
                          classifier=None if classifier else False)
        res, out["build_s"] = timed(build, source, work / "c", cfg)
        out["logrows"] = res.manifest.logrows
        prover = Prover(work / "c")
        bundle, _ = timed(prover.prove_file, sample)
        out["prove_s"] = prover.last_prove_seconds
        out["pass"] = verify_bundle(work / "c", bundle).valid
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {str(e).strip().splitlines()[0][:200] if str(e) else ''}"
    return out


def same_settings(circuit: Path, sample: Path, rounds: int) -> dict[str, Any]:
    """zkverify's overhead alone: on zkverify's own circuit (same settings, keys and SRS), bare
    ezkl's gen_witness + prove against `Prover(DIR).prove_file` (read, witness, prove, decode,
    bundle written), alternating which goes first, `rounds` times each; medians and their ratio."""
    import statistics

    import ezkl

    from zkverify.manifest import CircuitDir
    from zkverify.proving import Prover

    cd = CircuitDir(circuit)
    w, p, b = (circuit.parent / n for n in ("ow.json", "op.json", "ob.json"))
    bare: list[float] = []
    ours: list[float] = []

    def run_bare() -> None:
        t0 = time.perf_counter()
        ezkl.gen_witness(data=str(sample), model=str(cd.compiled), output=str(w))
        ezkl.prove(witness=str(w), model=str(cd.compiled), pk_path=str(cd.pk),
                   proof_path=str(p), srs_path=str(cd.srs))
        bare.append(time.perf_counter() - t0)

    def run_ours() -> None:
        t0 = time.perf_counter()
        Prover(circuit).prove_file(sample, b)
        ours.append(time.perf_counter() - t0)

    for i in range(rounds):
        for fn in ((run_bare, run_ours) if i % 2 == 0 else (run_ours, run_bare)):
            fn()
    a, z = statistics.median(bare), statistics.median(ours)
    return {"rounds": rounds, "ezkl_witness_prove_s": [round(x, 3) for x in bare],
            "zkverify_prove_s": [round(x, 3) for x in ours], "ezkl_median_s": round(a, 3),
            "zkverify_median_s": round(z, 3), "ratio": round(z / a, 4)}


def one(name: str, kind: str, work: Path, rounds: int = 3) -> dict[str, Any]:
    from zkverify.inputs import feed_rows

    work.mkdir(parents=True)
    if kind == "zoo":
        from tests.zoo_models import BY_NAME, export_zoo

        m = BY_NAME[name]
        res = export_zoo(m, work / "model")
        onnx, sample, classifier, family = res.onnx_path, res.input_path, m.classifier, m.family
        cal = sample  # one sample: what ezkl's own examples calibrate on
        source: Path = onnx
    else:
        from zkverify.circuit import BuildConfig
        from zkverify.sources import load_calibration, materialize_onnx, plan

        source = ROOT / "circuits" / f"{name}.toml"
        p = plan(source, BuildConfig())
        onnx = work / "network.onnx"
        _, inputs = materialize_onnx(p, onnx)
        cal = work / "cal.json"
        cal.write_text(json.dumps(feed_rows(load_calibration(p, inputs, []))))
        sample = ROOT / "examples/data" / f"{name}_input.json"
        from zkverify.inputs import ezkl_input, read_input

        ezkl_sample = work / "sample.json"
        ezkl_sample.write_text(json.dumps(ezkl_input(read_input(sample, inputs))))
        sample = ezkl_sample
        classifier = tuple(p.config.classifier_outputs) or ()
        family = "example"
    row: dict[str, Any] = {"name": name, "kind": kind, "family": family}
    row["ezkl"] = bare_ezkl(onnx, cal, sample, work)
    row["zkverify"] = zkverify_flow(source, cal, sample, work, classifier)
    a, b = row["ezkl"].get("prove_s"), row["zkverify"].get("prove_s")
    same = row["ezkl"].get("logrows") == row["zkverify"].get("logrows")
    row["prove_ratio"] = (b / a) if a and b and same else None
    if rounds and row["zkverify"].get("pass"):
        try:
            row["same_settings"] = same_settings(work / "c", sample, rounds)
        except Exception as e:  # a measurement failure is a row field, not the end of the run
            row["same_settings"] = {"error": f"{type(e).__name__}: {e}"[:200]}
    print(json.dumps(row), flush=True)
    return row


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| model | family | ezkl | logrows | prove (s) | zkverify | logrows | prove (s) | "
             "ratio | same settings: ezkl (s) | zkverify (s) | ratio |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]

    def cell(r: dict[str, Any]) -> list[str]:
        ok = "pass" if r.get("pass") else "FAIL"
        p = r.get("prove_s")
        return [ok, str(r.get("logrows", "–")), f"{p:.2f}" if p else "–"]

    for r in rows:
        ratio = f"{r['prove_ratio']:.2f}" if r.get("prove_ratio") else "–"
        s = r.get("same_settings") or {}
        same = ([f"{s['ezkl_median_s']:.2f}", f"{s['zkverify_median_s']:.2f}", f"{s['ratio']:.3f}"]
                if "ratio" in s else ["–", "–", "–"])
        lines.append("| " + " | ".join([f"`{r['name']}`", r["family"], *cell(r["ezkl"]),
                                         *cell(r["zkverify"]), ratio, *same]) + " |")
    both = sum(1 for r in rows if r["ezkl"].get("pass") and r["zkverify"].get("pass"))
    gaps = sum(1 for r in rows if r["ezkl"].get("pass") and not r["zkverify"].get("pass"))
    lines.append(f"\n{len(rows)} models run; both pass on {both}; bare ezkl passes and zkverify "
                 f"fails on {gaps}.")
    same_rows = [r["same_settings"] for r in rows if "ratio" in (r.get("same_settings") or {})
                 and r["same_settings"]["ezkl_median_s"] >= 1.0]
    if same_rows:
        ratios = sorted(x["ratio"] for x in same_rows)
        lines.append(f"Same settings, proofs of a second or more ({len(ratios)} models): zkverify / "
                     f"bare ezkl median {ratios[len(ratios) // 2]:.3f}, range {ratios[0]:.3f}-"
                     f"{ratios[-1]:.3f}; within 5% on {sum(x <= 1.05 for x in ratios)}.")
    return "\n".join(lines)


def save(path: Path, rows: list[dict[str, Any]]) -> None:
    out = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                       "python": platform.python_version(), "memory": "24 GiB",
                       "load_average": os.getloadavg()}, "models": rows}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n")


def main() -> None:
    from tests.zoo_models import ZOO

    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="*", default=[m.name for m in ZOO])
    ap.add_argument("--examples", nargs="*", default=EXAMPLES)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/coverage.json")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--rounds", type=int, default=3,
                    help="same-settings prove rounds per side (0: skip)")
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="zkv-cov-") as tmp:
        os.environ.setdefault("ZKVERIFY_CACHE_DIR", str(Path(tmp) / "cache"))
        for kind, names in (("zoo", args.models), ("example", args.examples)):
            for name in names:
                try:
                    rows.append(one(name, kind, Path(tmp) / name, args.rounds))
                except Exception:  # an export failure is a row too, never the end of the run
                    traceback.print_exc()
                    rows.append({"name": name, "kind": kind, "family": kind,
                                 "ezkl": {"pass": False, "error": "export failed"},
                                 "zkverify": {"pass": False, "error": "export failed"},
                                 "prove_ratio": None})
                save(args.out, rows)  # after every model: a long run stopped early keeps its rows
    if args.markdown:
        print(markdown(rows))


if __name__ == "__main__":
    main()
