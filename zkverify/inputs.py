"""Reading model inputs: ezkl's ``{"input_data": ...}`` JSON, a plain nested list, or .npy."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .files import read_json


def load_input_file(path: str | Path) -> Any:
    """The raw content of an input file (JSON value or numpy array)."""
    path = Path(path)
    if path.suffix == ".npy":
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        try:
            return np.load(path, allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise InputError(f"{path}: not a readable .npy array ({e})") from None
    return read_json(path, "input file", InputError)


def coerce_input(data: Any, shape: Sequence[int], where: str = "input") -> np.ndarray:
    """One input for a model whose input has ``shape``; returns a flat float64 array.

    Accepts ``{"input_data": [[...]]}`` (ezkl's form), a (nested) list, or an array, as long as
    it holds exactly prod(shape) finite numbers.
    """
    if isinstance(data, dict):
        # ezkl's own file: `input_shapes` is ignored as ezkl ignores it; `output_data` holds
        # quantized values, so it is only checked for form.
        if set(data) - {"input_data", "input_shapes", "output_data"} or "input_data" not in data:
            raise InputError(f"{where}: expected {{\"input_data\": [[...]]}} or a list of numbers")
        out = data.get("output_data")
        if out is not None and not (isinstance(out, list) and len(out) == 1):
            raise InputError(f"{where}: output_data: expected one list per model output (1)")
        data = data["input_data"]
        if isinstance(data, list) and len(data) != 1:
            raise InputError(f"{where}: the model has one input, input_data has {len(data)}")
    arr = _to_array(data, where)
    want = math.prod(shape)
    if arr.size != want:
        raise InputError(f"{where}: expected {want} values for input shape "
                         f"{list(shape)}, got {arr.size}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise InputError(f"{where}: value #{i} is {arr.ravel()[i]}, inputs must be finite numbers")
    return arr.reshape(-1).astype(np.float64)


def coerce_batch(data: Any, shape: Sequence[int], where: str = "inputs") -> np.ndarray:
    """Many inputs: an array/list with a leading batch dimension; returns (n, prod(shape))."""
    arr = _to_array(data, where)
    want = math.prod(shape)
    if arr.ndim == 0 or arr.size % want or arr.size == 0:
        raise InputError(f"{where}: {arr.size} values is not a whole number of inputs of shape "
                         f"{list(shape)}")
    rows = arr.reshape(-1, want)
    if not np.isfinite(rows).all():
        raise InputError(f"{where}: inputs must be finite numbers (found NaN or inf)")
    return rows.astype(np.float64)


def _to_array(data: Any, where: str) -> np.ndarray:
    if isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data, dtype=np.float64)
        except (ValueError, TypeError):
            raise InputError(f"{where}: not a rectangular list of numbers") from None
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_:
        raise InputError(f"{where}: not a list of numbers")
    return arr.astype(np.float64)


def ezkl_input(values: np.ndarray) -> dict[str, Any]:
    """ezkl's input JSON for one flat input."""
    return {"input_data": [values.reshape(-1).tolist()]}


def read_input(path: str | Path, shape: Sequence[int]) -> np.ndarray:
    return coerce_input(load_input_file(path), shape, str(path))
