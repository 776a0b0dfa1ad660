"""Batched circuits: B inferences in one proof (``build --batch-size B``).

A small model's logrows are set by ezkl's lookup tables, not by its rows, so a circuit that runs
the model on B inputs at once costs little more to prove than one that runs it once, and one
``verifyProof`` covers B predictions. Axis 0 of every graph input and output is the batch axis.

A batched proof always holds B rows. Given fewer real inputs, the prover pads with copies of
the first one (values the circuit was calibrated for); the bundle says how many rows are real
(``batch.real``) and the verdict reports predictions for those only, after checking that every
padding row, where the inputs are public, is that copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InputError, ModelError, UsageError
from .inputs import Feed
from .tensors import Tensor


def sample_tensors(batched: Sequence[Tensor], batch_size: int) -> list[Tensor]:
    """The per-input view of a batched circuit's tensors (axis 0 of size 1)."""
    out = []
    for t in batched:
        if not t.shape or t.shape[0] != batch_size:
            raise ModelError(f"{t.name!r} has shape {list(t.shape)}: a batched circuit needs the "
                             f"batch axis ({batch_size}) first on every input and output")
        out.append(Tensor(t.name, t.dtype, (1, *t.shape[1:])))
    return out


def batch_variables(onnx_path: Path, batch_size: int) -> list[list[object]]:
    """ezkl's ``run_args.variables`` that give an ONNX graph's symbolic batch axis the size B.

    Refused in one line when an input's first axis is fixed to another size: re-exporting with
    a symbolic batch axis (or building from a torch source) is the user's call, not a guess.
    """
    import onnx

    model = onnx.load(str(onnx_path))
    inits = {i.name for i in model.graph.initializer}
    names: list[str] = []
    for i in model.graph.input:
        if i.name in inits:
            continue
        dims = i.type.tensor_type.shape.dim
        if not dims:
            raise UsageError(f"{onnx_path}: input {i.name!r} has no shape; --batch-size needs a "
                             f"batch axis first")
        d = dims[0]
        if d.HasField("dim_param") and d.dim_param:
            if d.dim_param not in names:
                names.append(d.dim_param)
        elif d.dim_value != batch_size:
            raise UsageError(f"{onnx_path}: input {i.name!r} has a fixed batch axis of "
                             f"{d.dim_value}; --batch-size {batch_size} needs a symbolic batch "
                             f"axis (export with dynamic_axes) or a torch source")
    return [[n, batch_size] for n in names]


def pack(feeds: Sequence[Feed], batched: Sequence[Tensor], batch_size: int) -> Feed:
    """1 to B per-input feeds -> one batched feed, padded with copies of the first."""
    if not 1 <= len(feeds) <= batch_size:
        raise InputError(f"{len(feeds)} inputs for a circuit of batch size {batch_size} "
                         f"(pass -o DIR/ to prove more, {batch_size} per proof)")
    rows = list(feeds) + [feeds[0]] * (batch_size - len(feeds))
    return [np.concatenate([r[k] for r in rows]).astype(rows[0][k].dtype)
            for k in range(len(batched))]


def rows(values: list[object], batch_size: int) -> list[list[object]]:
    """A batched tensor's flat values split into its B rows."""
    n = len(values) // batch_size
    return [values[i * n:(i + 1) * n] for i in range(batch_size)]


@dataclass(frozen=True)
class Packed:
    """B rows ready for a batched circuit, the first ``real`` of them inputs (a batch task)."""

    feed: Feed
    real: int


def pack_all(feeds: Sequence[Feed], batched: Sequence[Tensor], batch_size: int) -> list[Packed]:
    """Many inputs -> one Packed per proof, B per proof in input order (the last padded)."""
    return [Packed(pack(feeds[i:i + batch_size], batched, batch_size),
                   len(feeds[i:i + batch_size]))
            for i in range(0, len(feeds), batch_size)]
