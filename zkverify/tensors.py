"""A model's signature: its graph inputs and outputs, in ONNX order, each with name, dtype, shape.

ezkl proves any number of inputs (none included) and outputs, of float, integer and boolean
type; integer and boolean tensors get fixed-point scale 0, so their values stay integers end to
end. This module reads the signature from the ONNX graph (shapes resolved as ezkl resolves them:
a symbolic dimension takes its value from ``run_args.variables``, ``batch_size`` = 1 by default)
and describes one tensor the way the card and the proof bundle do.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModelError

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
DTYPES = (*FLOAT_DTYPES, *INT_DTYPES, "bool")
# ezkl's default for run_args.variables: a symbolic batch dimension is 1.
DEFAULT_VARIABLES: dict[str, int] = {"batch_size": 1}

# onnx.TensorProto data types by number (kept here so reading a card never imports onnx).
_ONNX_DTYPES = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
                7: "int64", 9: "bool", 10: "float16", 11: "float64", 12: "uint32",
                13: "uint64", 16: "bfloat16"}


@dataclass(frozen=True)
class Tensor:
    """One graph input or output."""

    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def integral(self) -> bool:
        """Integer or boolean: ezkl gives it scale 0 and its values must be whole numbers."""
        return self.dtype not in FLOAT_DTYPES

    def describe(self) -> str:
        return f"{self.name} {self.dtype}{list(self.shape)}"


def variables_of(run_args: dict[str, Any] | None) -> dict[str, int]:
    """``run_args.variables`` (ezkl's ``[["batch_size", 1]]`` form) as a dict, with the default."""
    out = dict(DEFAULT_VARIABLES)
    for item in (run_args or {}).get("variables") or []:
        name, value = item
        out[str(name)] = int(value)
    return out


def graph_signature(onnx_path: Path, variables: dict[str, int] | None = None
                    ) -> tuple[list[Tensor], list[Tensor]]:
    """The graph's inputs (initializers excluded) and outputs, shapes resolved as ezkl does.

    An output shape the graph leaves symbolic is filled in by onnx's shape inference; what is
    still unknown is 1 here and corrected from ezkl's own witness at build.
    """
    import onnx

    variables = {**DEFAULT_VARIABLES, **(variables or {})}
    model = onnx.load(str(onnx_path))
    with contextlib.suppress(Exception):  # inference refines; the declared shapes remain
        model = onnx.shape_inference.infer_shapes(model)
    inits = {i.name for i in model.graph.initializer}
    inferred = {v.name: v for v in model.graph.value_info}

    def tensor(v: Any, where: str) -> Tensor:
        t = v.type.tensor_type
        if not v.type.HasField("tensor_type"):
            raise ModelError(f"{onnx_path}: {where} {v.name!r} is not a tensor")
        dtype = _ONNX_DTYPES.get(t.elem_type)
        if dtype is None:
            raise ModelError(f"{onnx_path}: {where} {v.name!r} has an element type ezkl does not "
                             f"prove (ONNX type {t.elem_type})")
        dims = t.shape.dim if t.HasField("shape") else []
        if not dims and v.name in inferred:
            dims = inferred[v.name].type.tensor_type.shape.dim
        shape = []
        for d in dims:
            if d.HasField("dim_value") and d.dim_value > 0:
                shape.append(int(d.dim_value))
            elif d.HasField("dim_param") and d.dim_param in variables:
                shape.append(variables[d.dim_param])
            elif d.HasField("dim_param") and where == "input":
                raise ModelError(f"{onnx_path}: input {v.name!r} has the symbolic dimension "
                                 f"{d.dim_param!r}: give it a value with run_args.variables "
                                 f"(e.g. variables = [[\"{d.dim_param}\", 1]])")
            else:
                shape.append(1)
        return Tensor(v.name, dtype, tuple(shape))

    inputs = [tensor(i, "input") for i in model.graph.input if i.name not in inits]
    outputs = [tensor(o, "output") for o in model.graph.output]
    if not outputs:
        raise ModelError(f"{onnx_path}: the graph has no output")
    return inputs, outputs


def with_sizes(tensors: Sequence[Tensor], sizes: Sequence[int]) -> list[Tensor]:
    """Tensors whose element counts are ``sizes`` (ezkl's witness is the truth): a shape that
    disagrees becomes flat."""
    return [t if t.size == n else Tensor(t.name, t.dtype, (n,))
            for t, n in zip(tensors, sizes, strict=True)]
