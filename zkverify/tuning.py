"""Search the circuit parameters that decide proving cost for the cheapest circuit that is
still accurate enough and really proves and verifies.

ezkl's ``calibrate_settings(target="resources")`` keeps its default range-check table
(decomp_base 16384 = 2^14 rows), which alone forces logrows 15 on small models. The search:

1. scales: the smallest input/param scale whose circuit meets the accuracy bound on the
   calibration data (witnesses only, no keys; seconds);
2. structure: for that scale (and one above), every decomposition (base, legs) and inner-column
   count in the space, at the smallest logrows that fits rows and table, kept when ezkl's mock
   passes and the accuracy bound still holds; ranked by the cost model's predicted prove time;
3. proof: the best few really go through SRS, key setup, a proof of the hardest calibration
   sample, and verification; the fastest verified one wins and is built with ``circuit.build``.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import engine
from .circuit import BuildConfig, BuildResult, build, refuse_unbound_weights
from .errors import EngineError, UsageError
from .estimating import predict
from .extras import require
from .inputs import ezkl_input
from .keys import DevSrsWarning, get_srs
from .progress import NullProgress
from .quantize import float_outputs, measure
from .sources import load_calibration, materialize_onnx, model_modules, output_rules, plan
from .tensors import graph_signature, variables_of, with_sizes

RESERVED_ROWS = 32  # blinding factors and halo2's own rows on top of the circuit's rows


@dataclass(frozen=True)
class SearchSpace:
    scales: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)
    decomp: tuple[tuple[int, int], ...] = ((16, 5), (32, 4), (128, 3), (1024, 2), (16384, 2))
    inner_cols: tuple[int, ...] = (1, 2, 4)
    prove_top: int = 3
    max_samples: int = 32


@dataclass
class Candidate:
    run_args: dict[str, int]
    num_rows: int = 0
    max_abs_error: float | None = None
    argmax_agreement: float | None = None
    predicted_prove_seconds: float | None = None
    status: str = "pending"  # accurate | inaccurate | mock failed | verified | failed: ...
    setup_seconds: float | None = None
    prove_seconds: float | None = None
    pk_bytes: int | None = None

    @property
    def logrows(self) -> int:
        return self.run_args["logrows"]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TuneResult:
    chosen: Candidate
    candidates: list[Candidate]
    build: BuildResult | None
    bound: dict[str, float | None]
    seconds: float
    notes: list[str] = field(default_factory=list)
    batch_size: int | None = None
    # --batch-size auto: each batch size tried, its chosen circuit and inferences per second.
    batch_candidates: list[dict[str, Any]] = field(default_factory=list)


class _Bench:
    """One model, its calibration samples, and a scratch directory for candidates."""

    def __init__(self, source: str | Path, config: BuildConfig, space: SearchSpace) -> None:
        self.plan = plan(source, config)
        require(*model_modules(self.plan), "onnxruntime")
        self.work = Path(tempfile.mkdtemp(prefix="zkverify-tune-"))
        self.onnx = self.work / "network.onnx"
        self.plan, self.inputs = materialize_onnx(self.plan, self.onnx)
        samples = load_calibration(self.plan, self.inputs, [])
        self.samples = samples[: space.max_samples]
        c = self.plan.config
        # The tuner's bound needs a float reference: fail early when onnxruntime cannot run it.
        first = float_outputs(self.onnx, self.samples[:1], self.inputs)[0]
        _, graph_outputs = graph_signature(self.onnx, variables_of(c.run_args))
        self.outputs = with_sizes(graph_outputs, [len(o) for o in first])
        # Declared, never guessed from the output's size.
        self.rules = output_rules(c, self.outputs, [])
        self.classifier = "argmax" in self.rules
        # The hardest sample for range checks: the one with the largest values.
        self.hard = self.work / "hard.json"
        hard = max(self.samples, key=lambda f: sum(float(np.abs(a.astype(np.float64)).sum())
                                                   for a in f))
        self.hard.write_text(json.dumps(ezkl_input(hard)))
        self.n = 0

    def settings(self, run_args: dict[str, int]) -> tuple[Path, dict[str, Any]]:
        self.n += 1
        path = self.work / f"settings-{self.n}.json"
        c = self.plan.config
        fixed = {k: v for k, v in c.run_args.items() if k == "variables"}  # a batched ONNX
        engine.gen_settings(self.onnx, path, input_visibility=c.input_visibility or "public",
                            output_visibility=c.output_visibility or "public",
                            param_visibility=c.param_visibility or "fixed", **fixed, **run_args)
        return path, json.loads(path.read_text())

    def evaluate(self, cand: Candidate, bound: dict[str, float | None]) -> None:
        """Fit logrows, compile, mock, and measure accuracy (no keys)."""
        ra = cand.run_args
        _, s = self.settings({k: v for k, v in ra.items() if k != "logrows"})
        cand.num_rows = int(s["num_rows"])
        ra["logrows"] = max(ra.get("logrows", 0), min_logrows(s))
        path, s = self.settings(ra)
        compiled = path.with_suffix(".compiled")
        engine.compile_circuit(self.onnx, compiled, path)
        q = measure(self.onnx, compiled, self.samples, self.inputs, self.outputs, self.rules,
                    bound["max_error"], bound["min_agreement"])
        cand.max_abs_error, cand.argmax_agreement = q.max_abs_error, q.argmax_agreement
        cand.predicted_prove_seconds = predict(s).prove_seconds
        if not q.within_tolerance:
            cand.status = "inaccurate"
            return
        engine.gen_witness(self.hard, compiled, self.work / "hard-witness.json")
        try:
            ok = engine.mock(self.work / "hard-witness.json", compiled)
        except EngineError:
            ok = False
        cand.status = "accurate" if ok else "mock failed"

    def prove(self, cand: Candidate) -> None:
        """The real thing: SRS, key setup, prove the hardest sample, verify."""
        path, _ = self.settings(cand.run_args)
        compiled, d = path.with_suffix(".compiled"), self.work / f"keys-{self.n}"
        d.mkdir()
        try:
            engine.compile_circuit(self.onnx, compiled, path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DevSrsWarning)
                srs = get_srs(cand.logrows).path
            t0 = time.perf_counter()
            engine.setup(compiled, d / "vk.key", d / "pk.key", srs)
            cand.setup_seconds = round(time.perf_counter() - t0, 3)
            cand.pk_bytes = (d / "pk.key").stat().st_size
            engine.gen_witness(self.hard, compiled, d / "witness.json")
            t0 = time.perf_counter()
            engine.prove(d / "witness.json", compiled, d / "pk.key", d / "proof.json", srs)
            cand.prove_seconds = round(time.perf_counter() - t0, 3)
            ok, reason = engine.verify(d / "proof.json", path, d / "vk.key", srs)
            cand.status = "verified" if ok else f"failed: {reason[:80]}"
        except EngineError as e:
            cand.status = f"failed: {str(e)[:80]}"
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def min_logrows(settings: dict[str, Any]) -> int:
    """Smallest logrows whose rows hold the circuit and its range-check / lookup tables."""
    ra = settings["run_args"]
    need = int(settings["num_rows"])
    for lo, hi in settings.get("required_range_checks") or []:
        need = max(need, int(hi) - int(lo) + 1)
    if settings.get("required_lookups"):
        lo, hi = ra["lookup_range"]
        need = max(need, int(hi) - int(lo) + 1)
    return max(6, math.ceil(math.log2(need + RESERVED_ROWS)))


def accuracy_bound(config: BuildConfig, max_error: float | None, min_agreement: float | None,
                   classifier: bool) -> dict[str, float | None]:
    bound = {"max_error": max_error if max_error is not None else config.tolerance,
             "min_agreement": min_agreement if min_agreement is not None else config.min_agreement}
    if bound["max_error"] is None and bound["min_agreement"] is None:
        if not classifier:
            raise UsageError("tune needs an accuracy bound: --max-error E (or [tolerance] in "
                             "the spec)")
        bound["min_agreement"] = 1.0  # a classifier: same predictions as the float model
    return bound


def tune(source: str | Path, out_dir: str | Path | None, config: BuildConfig | None = None,
         max_error: float | None = None, min_agreement: float | None = None,
         space: SearchSpace | None = None, progress: NullProgress | None = None) -> TuneResult:
    """Search, prove the best candidates, and build ``out_dir`` with the winner."""
    t0 = time.perf_counter()
    space, progress = space or SearchSpace(), progress or NullProgress()
    config = config or BuildConfig()
    refuse_unbound_weights(config)
    with progress.stage("load model and calibration data"):
        bench = _Bench(source, config, space)
    try:
        bound = accuracy_bound(bench.plan.config, max_error, min_agreement, bench.classifier)
        base, legs = max(space.decomp, key=lambda d: d[0] ** d[1])
        cols = 2 if 2 in space.inner_cols else space.inner_cols[0]
        tried: list[Candidate] = []
        scale = None
        with progress.stage("scales"):
            for s in sorted(space.scales):
                c = Candidate(_ra(s, base, legs, cols))
                bench.evaluate(c, bound)
                tried.append(c)
                if c.status == "accurate":
                    scale = s
                    break
        if scale is None:
            raise UsageError(f"no scale in {list(space.scales)} meets the accuracy bound "
                             f"({_bound_text(bound)}) on the calibration data")
        progress.note(f"smallest accurate scale: {scale}")
        with progress.stage("structures"):
            for s in (scale, scale + 1):
                for b, n in space.decomp:
                    for k in space.inner_cols:
                        if any(_same(c.run_args, _ra(s, b, n, k)) for c in tried):
                            continue
                        c = Candidate(_ra(s, b, n, k))
                        bench.evaluate(c, bound)
                        tried.append(c)
        ranked = sorted((c for c in tried if c.status == "accurate"),
                        key=lambda c: (c.predicted_prove_seconds or math.inf, c.logrows))
        with progress.stage("prove and verify the best candidates"):
            for c in ranked[: 3 * space.prove_top]:
                bench.prove(c)
                if sum(x.status == "verified" for x in ranked) >= space.prove_top:
                    break
        verified = [c for c in ranked if c.status == "verified" and c.prove_seconds is not None]
        if not verified:
            raise EngineError("no candidate circuit proved and verified; widen the search space")
        chosen = min(verified, key=lambda c: (c.prove_seconds or math.inf, c.pk_bytes or 0))
        result_build = None
        if out_dir is not None:
            cfg = replace(bench.plan.config, calibrate=False,
                          run_args={**bench.plan.config.run_args, **chosen.run_args})
            with progress.stage("build the chosen circuit"):
                result_build = build(source, out_dir, cfg)
        return TuneResult(chosen, tried, result_build, bound, round(time.perf_counter() - t0, 2))
    finally:
        bench.close()


def _ra(scale: int, base: int, legs: int, cols: int) -> dict[str, int]:
    return {"input_scale": scale, "param_scale": scale, "decomp_base": base, "decomp_legs": legs,
            "num_inner_cols": cols}


def _same(a: dict[str, int], b: dict[str, int]) -> bool:
    return {k: v for k, v in a.items() if k != "logrows"} == {k: v for k, v in b.items()
                                                             if k != "logrows"}


def _bound_text(bound: dict[str, float | None]) -> str:
    parts = []
    if bound["max_error"] is not None:
        parts.append(f"max abs error <= {bound['max_error']:g}")
    if bound["min_agreement"] is not None:
        parts.append(f"argmax agreement >= {bound['min_agreement']:g}")
    return ", ".join(parts)


def tune_batch_size(source: str | Path, out_dir: str | Path | None,
                    config: BuildConfig | None = None, max_error: float | None = None,
                    min_agreement: float | None = None, space: SearchSpace | None = None,
                    progress: NullProgress | None = None,
                    sizes: tuple[int, ...] = (1, 4, 16)) -> TuneResult:
    """``tune --batch-size auto``: tune a circuit for each batch size B (every candidate really
    proven, at the same accuracy bound), then keep the B with the most inferences per second
    (B / the chosen circuit's prove time) and build ``out_dir`` with it."""
    t0 = time.perf_counter()
    config = config or BuildConfig()
    progress = progress or NullProgress()
    tried: list[tuple[int, TuneResult]] = []
    for b in sizes:
        with progress.stage(f"batch size {b}"):
            cfg = replace(config, batch_size=b if b > 1 else None)
            tried.append((b, tune(source, None, cfg, max_error, min_agreement, space)))
    rows = [{"batch_size": b, "run_args": r.chosen.run_args, "logrows": r.chosen.logrows,
             "prove_seconds": r.chosen.prove_seconds, "pk_bytes": r.chosen.pk_bytes,
             "max_abs_error": r.chosen.max_abs_error,
             "inferences_per_second": round(b / (r.chosen.prove_seconds or math.inf), 3)}
            for b, r in tried]
    best_b, best = max(tried, key=lambda t: t[0] / (t[1].chosen.prove_seconds or math.inf))
    built = None
    if out_dir is not None:
        cfg = replace(config, batch_size=best_b if best_b > 1 else None, calibrate=False,
                      run_args={**config.run_args, **best.chosen.run_args})
        with progress.stage(f"build the chosen circuit (batch size {best_b})"):
            built = build(source, out_dir, cfg)
    return TuneResult(best.chosen, best.candidates, built, best.bound,
                      round(time.perf_counter() - t0, 2), batch_size=best_b if best_b > 1 else None,
                      batch_candidates=rows)
