"""Whole circuit vs sliced (2, 4, 8 slices) on a model too big for a small circuit, in one run.

The model is circuits/digits28_cnn.toml (28x28 digits, three convolutions, logrows 18 whole)
or, with ``--spec digits28_mlp``, circuits/digits28_mlp.toml (an MLP 784-128-384-128-384-128-10
whose activations, and so its links, are small), or ``--spec digits28_deep`` (a 24-layer MLP,
logrows 22 whole: too big to prove whole on 24 GiB, run with ``--no-whole``).
Each configuration is built, proved with 1 and 2 workers, verified with ezkl and on the
in-process EVM, every command in its own process through the CLI (what a user runs), so the
peak memory of the largest process (``ru_maxrss`` of the command and everything it waited for)
is measured per command.

    python benchmarks/sliced.py [--spec digits28_cnn] [--slices 2,4,8] [--samples 8] [--no-gas]
                                [--no-whole] [--link hashed|polycommit] [--max-logrows K]
                                [--workers 1,2] [--out benchmarks/results/sliced.json]

``--slices auto --max-logrows K`` lets the build pick the fewest cuts that keep every slice at
or under logrows K. ``--no-whole`` skips building and proving the whole circuit (a model too
big to prove whole here): ``zkverify estimate`` on the whole model then records its logrows,
rows and predicted cost instead (``whole_estimate``), with the peak RSS of that estimate.

``--link polycommit`` builds the slices with ``--link polycommit``; its rows are named
``N-slices-polycommit`` and kept next to the hashed ``N-slices`` rows in the same run.

Results go under ``runs[SPEC]`` of the output file (other models' runs are kept) and are
written after every configuration, so an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def measured(*args: str) -> dict[str, Any]:
    """Run ``zkverify ARGS`` in a child process: wall time, exit code, stdout JSON, and the peak
    RSS of the largest process it ran or waited for (a fresh wrapper per command)."""
    wrapper = ("import json, resource, subprocess, sys; r = subprocess.run(sys.argv[1:], "
               "capture_output=True, text=True); print(json.dumps({'rc': r.returncode, "
               "'out': r.stdout, 'err': r.stderr[-2000:], 'maxrss_kb': "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "zkverify", *args],
                       capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - t0
    r = json.loads(p.stdout)
    try:
        out = json.loads(r["out"]) if r["out"].strip() else None
    except ValueError:
        out = None
    if r["rc"] not in (0,):
        print(f"  ! zkverify {' '.join(args[:2])} exit {r['rc']}: {r['err'].strip()[-300:]}",
              flush=True)
    return {"rc": r["rc"], "wall_seconds": round(wall, 2), "json": out,
            "peak_rss_bytes": int(r["maxrss_kb"]) * 1024}


def slice_dirs(circuit: Path) -> list[Path]:
    s = circuit / "slices"
    return sorted(s.iterdir(), key=lambda p: int(p.name)) if s.is_dir() else [circuit]


def one(name: str, spec: Path, sample: Path, circuit: Path, build_args: list[str], work: Path,
        gas: bool, worker_counts: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    print(f"[{name}] build", flush=True)
    b = measured("build", str(spec), "-o", str(circuit), "--json", *build_args)
    if b["rc"] != 0:
        return {"config": name, "build": b}
    dirs = slice_dirs(circuit)
    manifests = [json.loads((d / "manifest.json").read_text()) for d in dirs]
    row: dict[str, Any] = {
        "config": name, "slices": len(dirs),
        "link": json.loads((circuit / "card.json").read_text()).get("link"),
        "logrows": [m["logrows"] for m in manifests],
        "rows": [m.get("num_rows") for m in manifests],
        "build_seconds": b["wall_seconds"], "build_peak_rss_bytes": b["peak_rss_bytes"],
        "setup_seconds": round(sum(m["timings"].get("key setup", 0.0) for m in manifests), 2),
        "pk_bytes_total": sum((d / "pk.key").stat().st_size for d in dirs),
        "pk_bytes_largest": max((d / "pk.key").stat().st_size for d in dirs),
        "input_scales": [m["run_args"].get("input_scale") for m in manifests],
    }
    for workers in worker_counts:
        print(f"[{name}] prove --workers {workers}", flush=True)
        bundle = work / f"{name}-w{workers}.proof.json"
        extra = ["--workers", str(workers)] if len(dirs) > 1 else []
        if workers > 1 and len(dirs) == 1:
            row["prove_workers_2"] = None  # one circuit: nothing to prove in parallel
            continue
        p = measured("prove", str(circuit), str(sample), "-o", str(bundle), "--json", *extra)
        row[f"prove_workers_{workers}"] = {
            "rc": p["rc"], "wall_seconds": p["wall_seconds"],
            "prove_seconds": (p["json"] or {}).get("prove_seconds"),
            "slice_prove_seconds": (p["json"] or {}).get("slice_prove_seconds"),
            "peak_rss_bytes": p["peak_rss_bytes"], "prediction": (p["json"] or {}).get(
                "prediction")}
    bundle = work / f"{name}-w{worker_counts[0]}.proof.json"
    row["proof_bytes"] = bundle.stat().st_size if bundle.is_file() else None
    print(f"[{name}] verify", flush=True)
    v = measured("verify", str(circuit), str(bundle), "--json")
    row["verify"] = {"rc": v["rc"], "wall_seconds": v["wall_seconds"],
                     "verdict_seconds": (v["json"] or {}).get("seconds"),
                     "valid": (v["json"] or {}).get("valid")}
    if gas:
        print(f"[{name}] evm verify", flush=True)
        e = measured("evm", "verify", str(circuit), str(bundle), "--json")
        row["evm"] = {"rc": e["rc"], "gas": (e["json"] or {}).get("gas"),
                      "valid": (e["json"] or {}).get("valid"),
                      "wall_seconds": e["wall_seconds"]}
    print(f"[{name}] {json.dumps(row)}", flush=True)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default="digits28_cnn", help="a circuits/*.toml name")
    ap.add_argument("--slices", default="2,4,8")
    ap.add_argument("--samples", type=int, default=8, help="calibration samples (of 32)")
    ap.add_argument("--no-gas", action="store_true")
    ap.add_argument("--no-whole", action="store_true")
    ap.add_argument("--link", choices=["hashed", "polycommit"], default="hashed",
                    help="how the slices are linked (build --link)")
    ap.add_argument("--max-logrows", type=int,
                    help="build --max-logrows K (with --slices auto: the largest slice allowed)")
    ap.add_argument("--workers", default="1,2", help="worker counts to prove with")
    ap.add_argument("--work", type=Path, help="keep circuits here (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "sliced.json")
    a = ap.parse_args()
    spec = ROOT / "circuits" / f"{a.spec}.toml"
    data = ROOT / "examples" / "data"
    work = a.work or Path(tempfile.mkdtemp(prefix="zkverify-sliced-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    cal = work / "calibration.npy"
    np.save(cal, np.load(data / f"{a.spec}_calibration.npy")[: a.samples])
    common = ["--calibration-data", str(cal)]
    if a.max_logrows:
        common += ["--max-logrows", str(a.max_logrows)]
    worker_counts = tuple(int(w) for w in a.workers.split(",") if w)
    configs: list[tuple[str, list[str]]] = [] if a.no_whole else [("whole", [])]
    suffix, link = ("", []) if a.link == "hashed" else ("-polycommit", ["--link", a.link])
    configs += [(f"{n}-slices{suffix}", ["--slices", n, *link]) for n in a.slices.split(",") if n]
    result: dict[str, Any] = {
        "benchmark": "whole circuit vs sliced (benchmarks/sliced.py)",
        "model": str(spec.relative_to(ROOT)), "calibration_samples": a.samples,
        "machine": f"{os.cpu_count()} cores {platform.machine()}, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
                   f"Python {platform.python_version()}",
        "rows": []}
    if a.no_whole:  # what the whole circuit would cost, from its settings (no keys)
        print("[whole] estimate", flush=True)
        e = measured("estimate", str(spec), "--json", "--calibration-data", str(cal))
        result["whole_estimate"] = {**(e["json"] or {}), "rc": e["rc"],
                                    "wall_seconds": e["wall_seconds"],
                                    "estimate_peak_rss_bytes": e["peak_rss_bytes"]}
        print(f"[whole] {json.dumps(result['whole_estimate'])}", flush=True)
    try:  # keep what an earlier run measured for configurations not run again
        earlier = json.loads(a.out.read_text())["runs"][a.spec]["rows"]
    except (OSError, ValueError, KeyError):
        earlier = []
    result["rows"] = [r for r in earlier if r["config"] not in {n for n, _ in configs}]
    for name, extra in configs:
        row = one(name, spec, data / f"{a.spec}_input.json", work / name, common + extra, work,
                  not a.no_gas, worker_counts)
        result["rows"].append(row)
        whole = next((r for r in result["rows"] if r["config"] == "whole"), None)
        if whole and "prove_workers_1" in whole:
            for r in result["rows"]:
                if "prove_workers_1" in r:
                    r["peak_rss_vs_whole"] = round(
                        r["prove_workers_1"]["peak_rss_bytes"]
                        / whole["prove_workers_1"]["peak_rss_bytes"], 3)
        a.out.parent.mkdir(parents=True, exist_ok=True)
        try:
            everything = json.loads(a.out.read_text())
        except (OSError, ValueError):
            everything = {}
        everything.setdefault("runs", {})[a.spec] = result
        a.out.write_text(json.dumps(everything, indent=2) + "\n")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
