"""The `build` stage: ONNX (or a spec) -> settings, calibration, compile, SRS, keys, report."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import cache, engine
from .batching import sample_tensors
from .card import Card, SrsInfo, TensorInfo
from .errors import CacheError, EngineError, ToleranceError, UsageError
from .estimating import record as estimate_record
from .extras import require
from .files import atomic_path, link_or_copy, sha256_bytes, sha256_file, write_json_atomic
from .inputs import ezkl_input, feed_rows
from .keys import DevSrsWarning, cached_keys, get_keys, get_srs, pk_sha256
from .manifest import (
    COMPILED,
    MANIFEST,
    MANIFEST_FORMAT,
    ONNX,
    PK,
    SETTINGS,
    SRS,
    VK,
    CircuitDir,
    Manifest,
)
from .progress import NullProgress
from .quantize import QuantizationReport, measure
from .sources import (
    RANDOM_SAMPLES,
    _Plan,
    declared_classifiers,
    load_calibration,
    materialize_onnx,
    model_modules,
    output_rules,
    plan,
)
from .tensors import Tensor, graph_signature, variables_of, with_sizes
from .verdict import settings_visibility

REPORT_SAMPLES = 32
__all__ = ["RANDOM_SAMPLES", "BuildConfig", "BuildResult", "build", "plan"]


@dataclass(frozen=True)
class BuildConfig:
    """How to build a circuit. ``None`` means: take it from the spec, else the default."""

    name: str | None = None
    input_visibility: str | None = None
    output_visibility: str | None = None
    param_visibility: str | None = None
    calibration_data: Path | None = None
    calibration_target: str | None = None
    calibrate: bool = True
    run_args: dict[str, Any] = field(default_factory=dict)
    srs_file: Path | None = None
    fetch_srs: bool = False
    tolerance: float | None = None
    min_agreement: float | None = None
    input_shape: tuple[int, ...] | None = None
    classifier: bool | None = None
    classifier_output: str | None = None  # --classifier OUTPUT: checked against the graph
    classifier_outputs: tuple[str, ...] = ()  # several outputs declared as class scores
    report_samples: int = REPORT_SAMPLES
    allow_unbound_weights: bool = False
    reusable_verifier: bool = False  # keys for ezkl's reusable EVM verifier (another vk and id)
    batch_size: int | None = None  # B inferences per proof (axis 0 of every input and output)
    evaluation: dict[str, Any] | None = None  # zkverify evaluate: chunk size and rule
    # Calibration may only pick these input scales (a slice after a cut takes the previous
    # slice's output scale: the link hashes fixed-point values, so the scales must be equal).
    calibration_scales: tuple[int, ...] | None = None
    # ...and only these scale rebase multipliers (1 before a cut: the outputs come back to the
    # input scale instead of growing with each product, which the next slice could not read).
    calibration_rebase: tuple[int, ...] | None = None


@dataclass(frozen=True)
class BuildResult:
    circuit: CircuitDir
    manifest: Manifest
    quantization: QuantizationReport
    keys_reused: bool
    srs_source: str
    warnings: list[str]


def build(source: str | Path, out_dir: str | Path, config: BuildConfig | None = None,
          progress: NullProgress | None = None) -> BuildResult:
    """Build a circuit directory from an ONNX file or a circuit spec.

    Everything is written into a staging directory that replaces ``out_dir`` only when the
    build succeeded, so a failure never leaves a half-built circuit behind.
    """
    progress = progress or NullProgress()
    p = plan(source, config or BuildConfig())
    c = p.config
    require(*model_modules(p), "onnxruntime")  # the float model runs for the quantization report
    refuse_unbound_weights(c)
    out = Path(out_dir)
    refuse_foreign_dir(out)  # before any work: a wrong -o must fail in a second, not a minute
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".building", dir=out.parent))
    warn: list[str] = []
    try:
        cd = CircuitDir(stage)
        with progress.stage("export model" if p.spec and p.spec.factory else "check model"):
            p, inputs = materialize_onnx(p, cd.onnx)
            c = p.config
        _, graph_outputs = graph_signature(cd.onnx, variables_of(c.run_args))
        declared_classifiers(c, [o.name for o in graph_outputs])  # before any ezkl work
        samples = load_calibration(p, inputs, warn)
        cal_path = stage / "calibration.json"
        write_json_atomic(cal_path, feed_rows(samples), indent=None)
        write_json_atomic(cd.input, ezkl_input(samples[0]))
        with progress.stage("settings + calibration"):
            settings_reused = make_settings(p, cd, cal_path)
        if settings_reused:
            progress.note("calibrated settings reused from cache")
        settings = cd.settings_json()
        logrows = int(settings["run_args"]["logrows"])
        with progress.stage(f"SRS (logrows {logrows})"), warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always", DevSrsWarning)
            srs = get_srs(logrows, c.srs_file, cd.settings, c.fetch_srs)
            warn.extend(str(x.message) for x in w if issubclass(x.category, DevSrsWarning))
        _link_checked(srs.path, cd.srs, srs.sha256)
        keys = cached_keys(cd.onnx, cd.settings, srs, c.reusable_verifier)
        if keys is None:
            with progress.stage("compile"):
                engine.compile_circuit(cd.onnx, cd.compiled, cd.settings)
            with progress.stage("key setup"):
                try:
                    keys = get_keys(cd.onnx, cd.compiled, cd.settings, srs, c.reusable_verifier)
                except EngineError as e:
                    if c.srs_file is not None and "srs" in str(e).lower():
                        raise UsageError(f"{c.srs_file}: not a usable KZG SRS file for logrows "
                                         f"{logrows} ({e})") from None
                    raise
            progress.note(f"keys generated and cached ({keys.cache_key[:12]})")
        else:
            progress.note(f"compiled circuit and keys reused from cache ({keys.cache_key[:12]})")
        link_or_copy(keys.pk, cd.pk)
        _link_checked(keys.compiled, cd.compiled, keys.hashes["model.compiled"])
        _link_checked(keys.vk, cd.vk, keys.hashes["vk.key"])
        with tempfile.TemporaryDirectory(prefix="zkverify-card-") as tmp:
            witness = engine.gen_witness(cd.input, cd.compiled, Path(tmp) / "witness.json")
        # ezkl's witness is the truth about each output's size (a graph may leave it symbolic).
        outputs = with_sizes(graph_outputs, [len(o) for o in witness["outputs"]])
        rules = output_rules(c, outputs, warn)
        if c.batch_size:
            sample_tensors([*inputs, *outputs], c.batch_size)  # axis 0 is the batch everywhere
        with progress.stage("quantization report"):
            q = measure(cd.onnx, cd.compiled, samples[: c.report_samples], inputs, outputs,
                        rules, c.tolerance, c.min_agreement)
        if not q.within_tolerance and (c.tolerance is not None or c.min_agreement is not None):
            raise ToleranceError(f"{p.source['path']}: quantization out of bounds: "
                                 + "; ".join(q.breaches()))
        estimate = estimate_record(settings, {  # the cost model's prediction vs what happened
            "pk_bytes": cd.pk.stat().st_size,
            "setup_seconds": None if keys.reused else progress.timings.get("key setup")})
        classifiers = [o.name for o, r in zip(outputs, rules, strict=True) if r == "argmax"]
        manifest = Manifest(
            name=p.name, ezkl_version=engine.ezkl_version(), source=_source_info(p),
            run_args=settings["run_args"], logrows=logrows, num_rows=settings.get("num_rows"),
            visibility=settings_visibility(settings),  # what ezkl really used
            input_shapes=[list(t.shape) for t in inputs],
            output_shapes=[list(t.shape) for t in outputs],
            inputs=[_tensor_dict(t) for t in inputs], outputs=[_tensor_dict(t) for t in outputs],
            batch_size=c.batch_size, evaluation=_evaluation(c, settings),
            classifier=bool(classifiers), classifier_outputs=classifiers,
            artifacts=cd.hash_artifacts((ONNX, SETTINGS, COMPILED, VK)),
            srs=srs.info(), keys={"cache_key": keys.cache_key, "reused": keys.reused,
                                  "pk_bytes": cd.pk.stat().st_size},
            calibration={"target": c.calibration_target or "resources",
                         "samples": int(len(samples)), "calibrated": c.calibrate,
                         "settings_reused": settings_reused,
                         "data": str(c.calibration_data) if c.calibration_data else "random"},
            quantization=q.to_dict(), timings=dict(progress.timings), estimate=estimate,
        )
        # The real file's sha256 (hashed once per key cache slot); the cache id is keys.cache_key.
        manifest.artifacts[PK] = pk_sha256(keys)
        manifest.artifacts[SRS] = srs.sha256
        cd.save_manifest(manifest)
        make_card(manifest, settings, witness, inputs, outputs, rules).save(cd.card)
        _swap_into_place(stage, out)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return BuildResult(CircuitDir(out), manifest, q, keys.reused, srs.source, warn)


def _evaluation(c: BuildConfig, settings: dict[str, Any]) -> dict[str, Any] | None:
    """An evaluation circuit's rule, with the input scale its data commitment depends on."""
    if not c.evaluation:
        return None
    return {**c.evaluation, "input_scale": int(settings["run_args"]["input_scale"])}


def _tensor_dict(t: Tensor) -> dict[str, Any]:
    return {"name": t.name, "dtype": t.dtype, "shape": list(t.shape)}


def refuse_unbound_weights(c: BuildConfig) -> None:
    """Private or polycommit params bind nothing: a proof would hold for any weights."""
    vis = (c.param_visibility or "fixed").lower()
    if vis in ("private", "polycommit") and not c.allow_unbound_weights:
        raise UsageError(f"--param-visibility {vis}: the weights would not be bound (a proof would "
                         "verify for any weights of this architecture); use fixed or hashed, or "
                         "pass --allow-unbound-weights to build it anyway")


def make_card(manifest: Manifest, settings: dict[str, Any], witness: dict[str, Any],
              inputs: list[Tensor], outputs: list[Tensor], rules: list[str]) -> Card:
    """The circuit's public identity; under hashed params, the params hashes of these weights."""
    vis = settings_visibility(settings)
    param_hashes: list[str] = []
    if vis["param"] == "hashed":
        param_hashes = list((witness.get("processed_params") or {}).get("poseidon_hash") or [])
        if not param_hashes:
            raise EngineError("ezkl gave no params hash under hashed params")
    a = manifest.artifacts
    return Card(
        name=manifest.name, ezkl_version=manifest.ezkl_version, model_sha256=a[ONNX],
        settings_sha256=a[SETTINGS], vk_sha256=a[VK], srs_sha256=a[SRS],
        srs=SrsInfo(source=manifest.srs["source"], logrows=manifest.logrows), visibility=vis,
        param_hashes=param_hashes,
        inputs=[TensorInfo(name=t.name, dtype=t.dtype, shape=list(t.shape)) for t in inputs],
        outputs=[TensorInfo(name=t.name, dtype=t.dtype, shape=list(t.shape),
                            prediction="argmax" if r == "argmax" else "values")
                 for t, r in zip(outputs, rules, strict=True)],
        batch_size=manifest.batch_size, evaluation=manifest.evaluation,
    )


def make_settings(p: _Plan, cd: CircuitDir, cal_path: Path) -> bool:
    """gen_settings + calibrate, or the cached result for the same model, data and options."""
    c = p.config
    run_args = {
        "input_visibility": _vis(c.input_visibility, "public"),
        "output_visibility": _vis(c.output_visibility, "public"),
        "param_visibility": _vis(c.param_visibility, "fixed"),
        **c.run_args,
    }
    target = c.calibration_target or "resources"
    key = sha256_bytes(json.dumps({
        "onnx": sha256_file(cd.onnx), "data": sha256_file(cal_path), "run_args": run_args,
        "target": target, "calibrate": c.calibrate, "ezkl": engine.ezkl_version(),
        **({"scales": list(c.calibration_scales)} if c.calibration_scales else {}),
        **({"rebase": list(c.calibration_rebase)} if c.calibration_rebase else {}),
    }, sort_keys=True).encode())
    cached = cache.cache_path("settings", f"{key}.json")
    sha = cache.check(cached)
    if sha is not None:
        shutil.copyfile(cached, cd.settings)
        if sha256_file(cd.settings) == sha:  # the copy, not the path we checked, is what we use
            return True
    cache.discard(cached)  # absent, unrecorded or tampered: calibrate again and overwrite
    try:
        engine.gen_settings(cd.onnx, cd.settings, **run_args)
    except EngineError as e:
        # An ezkl failure (exit 1, as documented), named by operator and node when ezkl says.
        why = engine.unsupported_operator(str(e)) or f"ezkl cannot turn this model into a circuit ({e})"
        raise EngineError(f"{p.source['path']}: {why}") from None
    if c.calibrate:
        fixed_lr = c.run_args.get("logrows")
        scales = list(c.calibration_scales) if c.calibration_scales else None
        rebase = list(c.calibration_rebase) if c.calibration_rebase else None
        engine.calibrate(cal_path, cd.onnx, cd.settings, target, scales=scales,
                         max_logrows=fixed_lr, scale_rebase_multiplier=rebase)
    # A copy, never a link: editing a circuit's settings.json must not change the cache.
    with atomic_path(cached) as tmp:
        shutil.copyfile(cd.settings, tmp)
        tmp.chmod(0o444)
    cache.record(cached)
    return False


def _link_checked(src: Path, dest: Path, sha256: str) -> None:
    """Link a checked cache file into the circuit, then check the link: what was checked by
    path could have been swapped before we linked it; the link itself cannot change."""
    link_or_copy(src, dest)
    if sha256_file(dest) != sha256:
        raise CacheError(f"{src}: changed while it was being used (the cache is being written "
                         f"by someone else); build again")


def refuse_foreign_dir(out: Path) -> None:
    """Refuse to replace a directory that holds anything but a zkverify circuit.

    ``build -o DIR`` swaps the new circuit in place of DIR; pointed at a folder of notes by
    mistake, it would delete them.
    """
    if not out.is_dir() or not any(out.iterdir()) or _is_circuit_dir(out):
        return
    raise UsageError(f"{out}: not empty and not a zkverify circuit directory (refusing to "
                     f"replace it; pass a new or empty directory)")


def _is_circuit_dir(path: Path) -> bool:
    try:
        data = json.loads((path / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT


def _vis(v: str | None, default: str) -> str:
    return (v or default).lower()


def _source_info(p: _Plan) -> dict[str, Any]:
    info = dict(p.source)
    if p.spec is not None:
        info.update(factory=p.spec.factory, spec_name=p.spec.name)
        if p.spec.weights is not None and p.spec.weights.is_file():
            info["weights_sha256"] = sha256_file(p.spec.weights)
    return info


def _swap_into_place(stage: Path, out: Path) -> None:
    """Replace ``out`` with the finished staging directory, keeping no half state behind."""
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out}: exists and is not a directory")
        refuse_foreign_dir(out)  # again: it may have been filled while we built
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(stage, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, out)
