"""What ``build``, ``tune`` and ``estimate`` start from: the plan (spec merged under the options),
the model's ONNX file and signature, its calibration samples and its outputs' prediction rules."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import InputError, ModelError, UsageError
from .inputs import Feed, coerce_batch, coerce_feed, load_input_file
from .spec import CircuitSpec, load_spec, resolve_source
from .tensors import Tensor, graph_signature, variables_of

if TYPE_CHECKING:
    from .circuit import BuildConfig

RANDOM_SAMPLES = 16


@dataclass(frozen=True)
class _Plan:
    name: str
    source: dict[str, Any]
    spec: CircuitSpec | None
    config: BuildConfig


def plan(source: str | Path, config: BuildConfig) -> _Plan:
    """Merge the spec (if any) under the explicit config."""
    path = resolve_source(source)
    if path.suffix == ".toml":
        spec = load_spec(path)
        classifier = config.classifier if config.classifier is not None else spec.classifier
        merged = replace(
            config,
            name=config.name or spec.name,
            input_visibility=config.input_visibility or spec.visibility["input"],
            output_visibility=config.output_visibility or spec.visibility["output"],
            param_visibility=config.param_visibility or spec.visibility["param"],
            calibration_data=config.calibration_data or spec.calibration_data,
            calibration_target=config.calibration_target or spec.calibration_target,
            tolerance=config.tolerance if config.tolerance is not None else spec.max_abs_error,
            min_agreement=(config.min_agreement if config.min_agreement is not None
                           else spec.min_agreement),
            input_shape=config.input_shape or spec.input_shape,
            classifier=classifier,
            classifier_outputs=(config.classifier_outputs or spec.classifier_outputs
                                if config.classifier is not False else ()),
            run_args={**spec.run_args, **config.run_args},
        )
        return _Plan(merged.name or path.stem, {"kind": "spec", "path": str(path)}, spec, merged)
    if not path.exists():
        raise UsageError(f"{path}: no such file (expected an .onnx model or a circuit spec)")
    if path.suffix != ".onnx" and path.suffix:
        raise UsageError(f"{path}: expected an .onnx model or a .toml circuit spec")
    return _Plan(config.name or path.stem, {"kind": "onnx", "path": str(path)}, None, config)


def model_modules(p: _Plan) -> tuple[str, ...]:
    """What materializing the plan's model imports: torch's exporter and its onnxruntime check
    for a torch factory, onnx's checker for an .onnx file (all from the torch extra)."""
    return ("torch", "onnx", "onnxruntime") if p.spec is not None and p.spec.factory else ("onnx",)


def materialize_onnx(p: _Plan, dest: Path) -> tuple[_Plan, list[Tensor]]:
    """Write the plan's model to ``dest`` (export or copy); return the plan as the model needs
    it (a batched ONNX source's variables) and its inputs, shapes resolved.

    For ``--batch-size B`` a torch source is exported with batch axis B; an ONNX source must
    have a symbolic batch axis, which ``batched_plan`` then sizes through ezkl's variables.
    """
    if p.spec is not None and p.spec.factory:
        from .exporting import export_model

        assert p.config.input_shape is not None
        shapes = (list(p.spec.input_shapes) if p.spec.input_shapes and
                  p.config.input_shape == p.spec.input_shape else [p.config.input_shape])
        if p.config.batch_size:  # --batch-size B: every input's batch axis is B
            shapes = [(p.config.batch_size, *s[1:]) for s in shapes]
        res = export_model(p.spec.factory, shapes, dest.parent, p.spec.weights,
                           p.spec.input_dtypes or None)
        if res.onnx_path != dest:
            os.replace(res.onnx_path, dest)
    else:
        src = p.spec.onnx if p.spec is not None and p.spec.onnx else Path(p.source["path"])
        assert src is not None
        check_onnx(src)
        shutil.copyfile(src, dest)
    p = batched_plan(p, dest)
    inputs, _ = graph_signature(dest, variables_of(p.config.run_args))
    if p.config.input_shape is not None and not (p.spec is not None and p.spec.factory):
        if len(inputs) != 1:
            raise UsageError(f"--input-shape: the model has {len(inputs)} inputs; give their "
                             f"shapes with run_args.variables instead")
        t = inputs[0]
        inputs = [Tensor(t.name, t.dtype, tuple(p.config.input_shape))]
    return p, inputs


def batched_plan(p: _Plan, onnx_path: Path) -> _Plan:
    """The plan with ``run_args.variables`` sizing an ONNX source's symbolic batch axis."""
    b = p.config.batch_size
    if not b or (p.spec is not None and p.spec.factory):
        return p
    from .batching import batch_variables

    variables = batch_variables(onnx_path, b)
    if not variables:
        return p
    return replace(p, config=replace(p.config, run_args={**p.config.run_args,
                                                         "variables": variables}))


def check_onnx(path: Path) -> None:
    """Fail early, naming the file, when it is not an ONNX model."""
    import onnx

    if not path.is_file():
        raise ModelError(f"{path}: no such file")
    try:
        model = onnx.load(str(path))
        onnx.checker.check_model(model)
    except Exception as e:
        raise ModelError(f"{path}: not a valid ONNX model ({str(e).splitlines()[0][:120]})") from None


def declared_classifiers(c: BuildConfig, names: list[str]) -> list[str]:
    """The outputs declared as class scores, checked against the model's output names (build
    calls it before any ezkl work, so a wrong name costs nothing)."""
    declared = list(c.classifier_outputs)
    if c.classifier_output is not None:
        declared.append(c.classifier_output)
    for d in declared:
        if d not in names:
            raise UsageError(f"--classifier {d}: no such output (the model's outputs: "
                             f"{', '.join(names)})")
    if c.classifier and not declared:
        if len(names) != 1:
            raise UsageError(f"the model has {len(names)} outputs ({', '.join(names)}): say "
                             f"which hold class scores with --classifier NAME (or classifier = "
                             f"[\"NAME\"] in the spec)")
        declared = list(names)
    return declared


def output_rules(c: BuildConfig, outputs: list[Tensor], warn: list[str]) -> list[str]:
    """Each output's prediction rule: "argmax" only where the user or the spec declared class
    scores (``--classifier NAME``; ``classifier = true`` for a one-output model), never guessed."""
    names = [o.name for o in outputs]
    declared = declared_classifiers(c, names)
    if c.classifier is None and not declared:
        for o in outputs:
            if o.size > 1 and not o.integral:
                warn.append(f"the output {o.name!r} is reported as values; if it holds class "
                            f"scores, pass --classifier {o.name} (or classifier in the spec)")
    return ["argmax" if o.name in declared else "values" for o in outputs]


def random_feeds(tensors: list[Tensor], n: int, warn: list[str]) -> list[Feed]:
    rng = np.random.default_rng(0)
    kinds = []
    for t in tensors:
        kinds.append("random integers in [0, 2)" if t.integral else "random values in [-1, 1)")
    if tensors:
        warn.append(f"no calibration data: calibrating on {n} random inputs "
                    f"({'; '.join(sorted(set(kinds)))}); pass --calibration-data for figures "
                    f"that mean something")

    def one(t: Tensor) -> np.ndarray:
        if t.dtype == "bool":
            return rng.integers(0, 2, size=t.size).astype(np.bool_)
        if t.integral:  # an integer input (ids, a 0/1 mask): small integers, never fractions
            return rng.integers(0, 2, size=t.size).astype(np.int64)
        return rng.uniform(-1, 1, size=t.size)

    return [[one(t) for t in tensors] for _ in range(n if tensors else 1)]


def load_calibration(p: _Plan, tensors: list[Tensor], warn: list[str]) -> list[Feed]:
    """The calibration samples: --calibration-data in any form `prove` or a batch takes.

    A batched circuit's samples are single inputs, packed B to a row of the circuit.
    """
    b = p.config.batch_size
    if b:
        from .batching import pack, sample_tensors

        singles = load_calibration(replace(p, config=replace(p.config, batch_size=None)),
                                   sample_tensors(tensors, b), warn)
        return [pack(singles[i:i + b], tensors, b) for i in range(0, len(singles), b)]
    data_path = p.config.calibration_data
    if data_path is None:
        return random_feeds(tensors, RANDOM_SAMPLES, warn)
    return read_batch(Path(data_path), tensors)


def read_batch(path: Path, tensors: list[Tensor]) -> list[Feed]:
    """Every input of a file: .jsonl (one per line), .npz/.npy with a batch axis, or JSON (a
    list of inputs, ezkl's input_data holding whole batches, or a single input)."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        import json

        feeds = []
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    feeds.append(coerce_feed(json.loads(line), tensors, f"{path}:{lineno}"))
                except json.JSONDecodeError as e:
                    raise InputError(f"{path}:{lineno}: not valid JSON ({e.msg})") from None
        if not feeds:
            raise InputError(f"{path}: no inputs (one JSON input per line expected)")
        return feeds
    raw = load_input_file(path)
    if isinstance(raw, dict) and "inputs" in raw:
        return [coerce_feed(raw, tensors, str(path))]
    if not tensors:
        return [coerce_feed(raw, tensors, str(path))]
    return coerce_batch(raw, tensors, str(path))
