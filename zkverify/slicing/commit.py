"""The polycommit link at build time (``build --slices N --link polycommit``).

Commitments compare only under one SRS and one evaluation domain, so :func:`one_logrows`
rebuilds every slice calibrated smaller than the largest at the largest slice's logrows (with
its calibrated run args, uncalibrated). :func:`commitment_ranges` then reads from ezkl's own
witness where each slice's linked commitments sit in its proof bytes; the sliced card records
those ranges, so the circuit id pins them and a verifier never takes them from a bundle.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import engine
from ..circuit import BuildConfig, BuildResult
from ..circuit import build as build_one
from ..errors import EngineError, ZkVerifyError
from ..manifest import CircuitDir
from ..progress import NullProgress
from .card import POINT_BYTES, slice_dir

Ranges = tuple[list[int] | None, list[int] | None]  # a slice's (input, output) byte ranges

__all__ = ["Ranges", "commitment_ranges", "one_logrows"]


def one_logrows(models: list[Path], configs: list[BuildConfig], results: list[BuildResult],
                stage: Path, span: Callable[[int], str], progress: NullProgress
                ) -> list[BuildResult]:
    """Every slice at the largest slice's logrows (so one SRS and one domain for all): a slice
    calibrated smaller is rebuilt, uncalibrated, with its calibrated run args and that logrows."""
    k = max(r.manifest.logrows for r in results)
    out = []
    n = len(results)
    for i, (model, cfg, res) in enumerate(zip(models, configs, results, strict=True)):
        if res.manifest.logrows == k:
            out.append(res)
            continue
        settings = res.circuit.settings_json()
        run_args = {key: tuple(v) if key == "lookup_range" else v
                    for key, v in settings["run_args"].items()
                    if key in engine.RUN_ARG_FIELDS and not key.endswith("_visibility")
                    and v is not None}
        run_args["logrows"] = k
        with progress.stage(f"slice {i + 1}/{n} at logrows {k}"):
            try:
                new = build_one(model, slice_dir(stage, i),
                                replace(cfg, calibrate=False, run_args=run_args))
            except ZkVerifyError as e:
                raise type(e)(f"slice {i} of {n} ({span(i)}) at logrows {k}: "
                              f"{str(e).replace(str(model) + ': ', '')}") from None
        out.append(new)
    return out


def commitment_ranges(results: list[BuildResult]) -> list[Ranges]:
    """Per slice, the byte ranges of its linked input / output commitments in its proof.

    ezkl writes the polycommit commitments first in the proof, inputs then params then
    outputs, one point (64 bytes) per column of each tensor. The number of columns depends on
    the tensor's size, logrows and the circuit's blinding rows, so it is read from ezkl's own
    witness (generated with the vk and SRS) for the slice's sample input.
    """
    n = len(results)
    ranges: list[Ranges] = []
    with tempfile.TemporaryDirectory(prefix="zkverify-commit-") as tmp:
        for i, r in enumerate(results):
            cd = r.circuit
            w = engine.gen_witness(cd.input, cd.compiled, Path(tmp) / f"w{i}.json", cd.vk, cd.srs)
            if i < n - 1:
                _same_commitments(i, w["outputs"], results[i].circuit, results[i + 1].circuit)
            counts = [_points(w.get(k)) for k in ("processed_inputs", "processed_params",
                                                  "processed_outputs")]
            if (counts[0] > 0) != (i > 0) or (counts[2] > 0) != (i < n - 1):
                raise EngineError(f"slice {i}: ezkl committed {counts[0]} input and {counts[2]} "
                                  "output points; expected commitments exactly at the cuts")
            before_out = (counts[0] + counts[1]) * POINT_BYTES
            ranges.append(([0, counts[0] * POINT_BYTES] if i > 0 else None,
                           [before_out, before_out + counts[2] * POINT_BYTES] if i < n - 1
                           else None))
    for i in range(n - 1):  # the same tensors, laid out alike: as many points on both sides
        a, b = ranges[i][1], ranges[i + 1][0]
        assert a is not None and b is not None
        if a[1] - a[0] != b[1] - b[0]:
            pa, pb = (a[1] - a[0]) // POINT_BYTES, (b[1] - b[0]) // POINT_BYTES
            raise EngineError(f"slice {i} commits the tensors at cut {i} in {pa} points, slice "
                              f"{i + 1} in {pb}: the commitments could never match (different "
                              "blinding rows?)")
    return ranges


def _same_commitments(i: int, tensors: list[list[str]], a: CircuitDir, b: CircuitDir) -> None:
    """Slice i and slice i+1 commit the same values to the same points (one SRS and logrows,
    the same unusable rows): checked at build on slice i's sample outputs, so a circuit whose
    links could never hold is refused here, not at the first prove."""
    for k, values in enumerate(tensors):
        pa = engine.kzg_commit(values, a.vk, a.settings, a.srs)
        pb = engine.kzg_commit(values, b.vk, b.settings, b.srs)
        if pa != pb:
            raise EngineError(f"slice {i} and slice {i + 1} commit the same tensor {k} of cut {i} "
                              "to different points: the link could never hold")


def _points(processed: Any) -> int:
    commits = (processed or {}).get("polycommit") or []
    return sum(len(t) for t in commits)
