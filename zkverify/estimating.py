"""Predict what a circuit will cost before paying for key setup.

Everything here works from ezkl's ``settings.json`` (written by gen_settings/calibrate, before
any SRS or key exists) and a cost model fitted to runs measured on this machine class
(``benchmarks/fit_cost_model.py`` over ``benchmarks/data/cost_runs.json``; coefficients
shipped as ``zkverify/cost_model.json``). Each figure is ``exp(b . features)`` with features
logrows (times ln 2), ln(inner columns) and ln(rows); ``verifyProof`` gas is linear in the
number of public instances and inner columns.

The fitted runs are small (logrows 9-15, a few thousand rows used), where a fixed ~300 MB and
fixed overheads dominate; a dense circuit (most of its 2^logrows rows used) costs more. So peak
memory is at least a multiple of the pk size, and prove and setup time at least a multiple of
the pk size times the fraction of rows used: floors measured on dense circuits
(``dense_floors``: the smallest ratios seen in ``benchmarks/results/sliced.json``, logrows
16-18), the pk size being the one figure the fit predicts well at any size (1.14 GB predicted,
1.11 GB measured at logrows 18). Beyond the largest logrows either was measured on, the figures
are extrapolated and say so (``extrapolated``).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import UsageError

MODEL_PATH = Path(__file__).with_name("cost_model.json")
TARGETS = ("pk_bytes", "setup_seconds", "prove_seconds", "peak_memory_bytes")


@cache
def cost_model(path: Path = MODEL_PATH) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError) as e:
        raise UsageError(f"{path}: cannot read the cost model ({e})") from None


def features(settings: dict[str, Any]) -> dict[str, float]:
    """What the cost model looks at, read from an ezkl settings dict."""
    ra = settings["run_args"]
    rows = max(1, int(settings.get("num_rows") or 1))
    return {
        "logrows_ln2": int(ra["logrows"]) * math.log(2),
        "ln_cols": math.log(max(1, int(ra.get("num_inner_cols") or 1))),
        "ln_rows": math.log(rows),
    }


def public_instances(settings: dict[str, Any]) -> int:
    """Field elements the verifier is handed: public inputs and outputs (a hash counts 1)."""
    ra = settings["run_args"]
    shapes = settings.get("model_instance_shapes") or []
    n = sum(math.prod(s) for s in shapes)
    if str(ra.get("input_visibility", "")).lower() == "hashed":
        n += 1
    if str(ra.get("output_visibility", "")).lower() == "hashed":
        n += 1
    return int(n)


@dataclass(frozen=True)
class Estimate:
    logrows: int
    num_rows: int
    public_instances: int
    pk_bytes: float
    setup_seconds: float
    prove_seconds: float
    peak_memory_bytes: float
    verify_gas: int
    machine: str
    extrapolated: bool = False  # logrows beyond every circuit the model was measured on

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def predict(settings: dict[str, Any], model: dict[str, Any] | None = None) -> Estimate:
    model = model or cost_model()
    x = features(settings)
    out: dict[str, float] = {}
    for target in TARGETS:
        coef = model["targets"][target]
        out[target] = math.exp(coef["intercept"] + sum(coef[k] * v for k, v in x.items()))
    floors = model.get("dense_floors") or {}
    logrows = int(settings["run_args"]["logrows"])
    used = out["pk_bytes"] * min(1.0, int(settings.get("num_rows") or 0) / 2 ** logrows)
    out["peak_memory_bytes"] = max(out["peak_memory_bytes"], out["pk_bytes"] * float(
        floors.get("peak_memory_bytes_per_pk_byte", 0.0)))
    for target in ("prove_seconds", "setup_seconds"):
        out[target] = max(out[target], used * float(floors.get(f"{target}_per_used_pk_byte", 0.0)))
    measured_up_to = max(int(model.get("fitted_logrows", [0, 0])[1]),
                         int(floors.get("max_logrows", 0)))
    n = public_instances(settings)
    gas = model["gas"]
    return Estimate(
        logrows=int(settings["run_args"]["logrows"]), num_rows=int(settings.get("num_rows") or 0),
        public_instances=n,
        verify_gas=int(gas["intercept"] + gas["per_instance"] * n
                       + gas.get("per_inner_col", 0) * int(settings["run_args"].get("num_inner_cols")
                                                           or 1)),
        machine=str(model.get("machine", "")),
        extrapolated=bool(measured_up_to) and logrows > measured_up_to,
        **out,
    )


def record(settings: dict[str, Any], measured: dict[str, float | None]) -> dict[str, Any]:
    """The manifest's ``estimate`` entry: predicted, measured, and measured/predicted ratios."""
    try:
        est = predict(settings).to_dict()
    except (UsageError, KeyError, TypeError, ValueError):
        return {}
    ratios = {k: round(v / est[k], 3) for k, v in measured.items()
              if v is not None and est.get(k)}
    return {"predicted": {k: est[k] for k in (*TARGETS, "verify_gas", "logrows")},
            "measured": {k: v for k, v in measured.items() if v is not None},
            "measured_over_predicted": ratios}


def estimate_source(source: str | Path, config: Any = None) -> tuple[Estimate, dict[str, Any]]:
    """The settings `build` would use (export, calibrate, compile: no SRS, no keys) and their cost."""
    from .circuit import BuildConfig, make_settings
    from .extras import require
    from .files import write_json_atomic
    from .inputs import feed_rows
    from .manifest import CircuitDir
    from .sources import load_calibration, materialize_onnx, model_modules, plan

    p = plan(source, config or BuildConfig())
    require(*model_modules(p))
    stage = Path(tempfile.mkdtemp(prefix="zkverify-estimate-"))
    try:
        cd = CircuitDir(stage)
        p, inputs = materialize_onnx(p, cd.onnx)
        samples = load_calibration(p, inputs, [])
        cal = stage / "calibration.json"
        write_json_atomic(cal, feed_rows(samples), indent=None)
        make_settings(p, cd, cal)
        settings = cd.settings_json()
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return predict(settings), settings


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def lines(e: Estimate, name: str) -> list[str]:
    return [
        f"{name}: logrows {e.logrows} ({e.num_rows:,} rows used of {2 ** e.logrows:,}), "
        f"{e.public_instances} public instances",
        f"  predicted pk size    {human_bytes(e.pk_bytes)}",
        f"  predicted setup      {e.setup_seconds:.1f} s",
        f"  predicted prove      {e.prove_seconds:.1f} s",
        f"  predicted peak RAM   {human_bytes(e.peak_memory_bytes)}",
        f"  predicted verifyProof gas  {e.verify_gas:,}",
        f"  (cost model fitted on {e.machine})",
        *([f"  logrows {e.logrows} is beyond every circuit the cost model was measured on: "
           f"extrapolated, take the figures as an order of magnitude"] if e.extrapolated else []),
    ]
