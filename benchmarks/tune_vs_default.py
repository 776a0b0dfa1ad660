"""Tuned vs ezkl's calibrated default on each example circuit: prove time, pk size, error.

    python benchmarks/tune_vs_default.py [circuit ...]   # default: every circuits/*.toml

Default = `zkverify build` with the spec as written (ezkl calibrate_settings, target
"resources"). Tuned = `zkverify tune` with an accuracy bound the default also meets: argmax
agreement 1.0 (stricter than the specs' 0.95) and max abs output error <= 0.05 on the
calibration data. Prove times are the
median of REPEATS proofs of calibration samples, default and tuned interleaved so that load
from anything else on the machine hits both alike.
Writes benchmarks/results/tune_vs_default.json and .png.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
REPEATS = 5
MIN_AGREEMENT = 1.0
MAX_ERROR = 0.05


def main(names: list[str]) -> None:
    from zkverify.circuit import BuildConfig, build
    from zkverify.proving import Prover
    from zkverify.tuning import tune

    names = names or sorted(p.stem for p in (ROOT / "circuits").glob("*.toml"))
    work = Path(tempfile.mkdtemp(prefix="zkverify-tvd-"))
    rows = []
    for name in names:
        spec = ROOT / "circuits" / f"{name}.toml"
        t0 = time.perf_counter()
        default = build(spec, work / f"{name}-default", BuildConfig())
        t_default = time.perf_counter() - t0
        t0 = time.perf_counter()
        tuned = tune(spec, work / f"{name}-tuned", max_error=MAX_ERROR,
                     min_agreement=MIN_AGREEMENT)
        t_tune = time.perf_counter() - t0
        samples = np.load(default.manifest.calibration["data"]).reshape(
            -1, int(np.prod(default.manifest.input_shapes[0])))
        provers = {"default": Prover(default.circuit.path), "tuned": Prover(work / f"{name}-tuned")}
        times: dict[str, list[float]] = {"default": [], "tuned": []}
        for i in range(REPEATS):
            for kind, p in provers.items():
                p.prove_values(samples[i % len(samples)])
                times[kind].append(p.last_prove_seconds)
        row = {"circuit": name, "tune_seconds": round(t_tune, 1),
               "default_build_seconds": round(t_default, 1),
               "bound": {"min_agreement": MIN_AGREEMENT, "max_error": MAX_ERROR},
               "candidates": len(tuned.candidates)}
        for kind, res in (("default", default), ("tuned", tuned.build)):
            assert res is not None
            m = res.manifest
            row[kind] = {
                "logrows": m.logrows, "num_rows": m.num_rows,
                "run_args": {k: m.run_args[k] for k in ("input_scale", "param_scale",
                                                        "decomp_base", "decomp_legs",
                                                        "num_inner_cols")},
                "prove_seconds_median": round(statistics.median(times[kind]), 3),
                "prove_seconds": [round(t, 3) for t in times[kind]],
                "pk_bytes": res.circuit.pk.stat().st_size,
                "max_abs_error": m.quantization["max_abs_error"],
                "argmax_agreement": m.quantization["argmax_agreement"],
            }
        row["prove_speedup"] = round(row["default"]["prove_seconds_median"]
                                     / row["tuned"]["prove_seconds_median"], 2)
        row["meets_target_half"] = row["prove_speedup"] >= 2.0
        rows.append(row)
        print(json.dumps(row), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"machine": f"{os.cpu_count()} cores, load avg {os.getloadavg()[0]:.1f} at the end",
           "repeats": REPEATS, "circuits": rows}
    (RESULTS / "tune_vs_default.json").write_text(json.dumps(out, indent=1) + "\n")
    plot(rows)
    shutil.rmtree(work, ignore_errors=True)  # circuits with 100 MB keys


def plot(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    x = np.arange(len(rows))
    for ax, key, label, scale in ((axes[0], "prove_seconds_median", "prove time (s)", 1),
                                  (axes[1], "pk_bytes", "pk size (MB)", 1e-6),
                                  (axes[2], "max_abs_error", "max abs error", 1)):
        for off, kind in ((-0.2, "default"), (0.2, "tuned")):
            ax.bar(x + off, [r[kind][key] * scale for r in rows], 0.4,
                   label=f"{kind}" if kind == "tuned" else "ezkl calibrate (resources)")
        ax.set_xticks(x, [r["circuit"] for r in rows])
        ax.set_title(label)
    axes[2].axhline(MAX_ERROR, color="red", linestyle="--", linewidth=1, label="bound")
    axes[0].legend()
    axes[2].legend()
    fig.suptitle("zkverify tune vs ezkl's calibrated default (same accuracy bound)")
    fig.tight_layout()
    fig.savefig(RESULTS / "tune_vs_default.png", dpi=110)


if __name__ == "__main__":
    if sys.argv[1:] == ["--plot-only"]:  # redraw from the saved JSON
        plot(json.loads((RESULTS / "tune_vs_default.json").read_text())["circuits"])
    else:
        main(sys.argv[1:])
