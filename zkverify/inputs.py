"""Reading model inputs in every form ``prove``, ``build --calibration-data`` and batches take.

One input of a model (a *feed*) is one flat array per graph input, in ONNX order. Forms:

* ezkl's own file, exactly as ezkl reads it: ``{"input_data": [[...], [...]]}`` with one
  flattened array per graph input (``[[]]`` for a model with no input); ``input_shapes`` is
  ignored as ezkl ignores it; ``output_data`` holds quantized values, so only its count is checked;
* named: ``{"inputs": {"tokens": [...], "mask": [...]}}``;
* for a one-input model, a (nested) list of numbers or a ``.npy`` array; ``.npz`` by input name.

Batches: ``.jsonl`` (one input per line, either JSON form), ``.npz`` whose arrays have a leading
batch axis, ``.npy`` with a batch axis for a one-input model.

Integer and boolean tensors keep their type: an integral float such as ``51.0`` is a valid
integer, a fractional one is an error naming the tensor; a boolean takes true/false or 0/1.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError
from .files import read_json
from .tensors import Tensor

Feed = list[np.ndarray]
EZKL_KEYS = {"input_data", "input_shapes", "output_data"}


class Named(dict[str, Any]):
    """Arrays by input name (an .npz file): matched by name, or in order for arr_0, arr_1, …"""


def load_input_file(path: str | Path) -> Any:
    """The raw content of an input file: a JSON value, a numpy array (.npy) or Named (.npz)."""
    path = Path(path)
    if path.suffix in (".npy", ".npz"):
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        try:
            loaded = np.load(path, allow_pickle=False)
            if path.suffix == ".npz":
                with loaded:
                    return Named({k: np.asarray(loaded[k]) for k in loaded.files})
            return loaded
        except (ValueError, OSError, EOFError) as e:
            raise InputError(f"{path}: not a readable {path.suffix} file ({e})") from None
    return read_json(path, "input file", InputError)


def coerce_feed(data: Any, tensors: Sequence[Tensor], where: str = "input",
                n_outputs: int | None = None) -> Feed:
    """One input of a model whose graph inputs are ``tensors``, in any single-input form."""
    by_tensor = _split(data, tensors, where, n_outputs)
    return [coerce_tensor(v, t, f"{where}: input {t.name!r}" if len(tensors) > 1 else where)
            for v, t in zip(by_tensor, tensors, strict=True)]


def _split(data: Any, tensors: Sequence[Tensor], where: str, n_outputs: int | None) -> list[Any]:
    names = [t.name for t in tensors]
    if isinstance(data, Named):
        return _by_name(dict(data), names, where, ordered=all(
            k == f"arr_{i}" for i, k in enumerate(data)))
    if isinstance(data, dict):
        if "inputs" in data:
            if set(data) != {"inputs"} or not isinstance(data["inputs"], dict):
                raise InputError(f"{where}: expected {{\"inputs\": {{NAME: values, …}}}}")
            return _by_name(data["inputs"], names, where)
        if set(data) - EZKL_KEYS or "input_data" not in data:
            raise InputError(f"{where}: expected {{\"input_data\": [[...]]}}, "
                             f"{{\"inputs\": {{NAME: [...]}}}} or a list of numbers")
        out = data.get("output_data")
        if out is not None and not isinstance(out, list):
            raise InputError(f"{where}: output_data: expected one list per model output")
        if out is not None and n_outputs is not None and len(out) != n_outputs:
            raise InputError(f"{where}: output_data has {len(out)} lists, the model has "
                             f"{n_outputs} output{'s' * (n_outputs != 1)}")
        arrays = data["input_data"]
        if not isinstance(arrays, list):
            raise InputError(f"{where}: input_data: expected one list per model input")
        if not tensors and arrays in ([], [[]]):
            return []  # ezkl's own examples give a model with no input {"input_data": [[]]}
        if len(arrays) != len(tensors):
            raise InputError(f"{where}: the model has {_count(tensors)}, input_data has "
                             f"{len(arrays)} list{'s' * (len(arrays) != 1)}")
        return list(arrays)
    if not tensors:
        if isinstance(data, list) and data in ([], [[]]):
            return []
        raise InputError(f"{where}: the model has no input (give {{\"input_data\": [[]]}})")
    if len(tensors) != 1:
        raise InputError(f"{where}: the model has {_count(tensors)} ({', '.join(names)}): give "
                         f"{{\"inputs\": {{NAME: [...]}}}}, ezkl's {{\"input_data\": [...]}} "
                         f"or an .npz")
    return [data]


def _by_name(values: dict[str, Any], names: list[str], where: str,
             ordered: bool = False) -> list[Any]:
    if ordered and len(values) == len(names):
        return list(values.values())
    missing = [n for n in names if n not in values]
    extra = [k for k in values if k not in names]
    if missing or extra:
        what = (f"no input {missing[0]!r}" if missing else f"unknown input {extra[0]!r}")
        raise InputError(f"{where}: {what} (the model's inputs: {', '.join(names) or 'none'})")
    return [values[n] for n in names]


def _count(tensors: Sequence[Tensor]) -> str:
    return f"{len(tensors)} input{'s' * (len(tensors) != 1)}"


def coerce_tensor(data: Any, t: Tensor, where: str) -> np.ndarray:
    """A flat array of exactly ``t.size`` values of ``t``'s kind: float64, int64 or bool."""
    arr = _to_array(data, t, where)
    if arr.size != t.size:
        raise InputError(f"{where}: expected {t.size} values for shape {list(t.shape)}, "
                         f"got {arr.size}")
    return _typed(arr.reshape(-1), t, where)


def _to_array(data: Any, t: Tensor, where: str) -> np.ndarray:
    if isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except (ValueError, TypeError):
            raise InputError(f"{where}: not a rectangular list of numbers") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        if arr.size == 0:
            return np.zeros(0)
        raise InputError(f"{where}: not a list of numbers")
    if arr.dtype == np.bool_ and t.dtype != "bool":
        raise InputError(f"{where}: got booleans, the input is {t.dtype}")
    return arr


def _typed(arr: np.ndarray, t: Tensor, where: str) -> np.ndarray:
    if arr.dtype == np.bool_:
        return arr.astype(np.bool_)
    f = arr.astype(np.float64)
    bad = ~np.isfinite(f)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{where}: value #{i} is {f[i]}, inputs must be finite numbers")
    if not t.integral:
        return f
    frac = f != np.round(f)
    what = "the input" if repr(t.name) in where else f"the input {t.name!r}"
    if frac.any():
        i = int(np.flatnonzero(frac)[0])
        raise InputError(f"{where}: value #{i} is {f[i]}, {what} is {t.dtype} (a whole "
                         f"number is required)")
    if t.dtype == "bool":
        if not np.isin(f, (0.0, 1.0)).all():
            i = int(np.flatnonzero(~np.isin(f, (0.0, 1.0)))[0])
            raise InputError(f"{where}: value #{i} is {f[i]}, {what} is bool (true/false or 0/1)")
        return f.astype(np.bool_)
    if np.abs(f).max(initial=0) > 2 ** 53:
        raise InputError(f"{where}: a value exceeds 2**53, which a JSON number cannot hold exactly")
    return f.astype(np.int64)


def coerce_batch(data: Any, tensors: Sequence[Tensor], where: str = "inputs") -> list[Feed]:
    """Many inputs: Named arrays (.npz) or one array (.npy, one-input model) with a batch axis,
    a JSON list of single inputs, or ezkl's input_data whose arrays hold whole batches."""
    if isinstance(data, dict) and not isinstance(data, Named) and "input_data" in data:
        arrays = data["input_data"]
        if isinstance(arrays, list) and len(arrays) == len(tensors) and tensors:
            data = Named({t.name: np.asarray(a) for t, a in zip(tensors, arrays, strict=True)})
    if isinstance(data, Named):
        by = _by_name(dict(data), [t.name for t in tensors], where,
                      ordered=all(k == f"arr_{i}" for i, k in enumerate(data)))
        rows = [_batch_rows(np.asarray(a), t, f"{where}: input {t.name!r}")
                for a, t in zip(by, tensors, strict=True)]
        counts = {len(r) for r in rows}
        if len(counts) > 1:
            raise InputError(f"{where}: the inputs hold different numbers of samples "
                             f"({', '.join(str(len(r)) for r in rows)})")
        n = counts.pop() if counts else 0
        return [[r[i] for r in rows] for i in range(n)]
    if len(tensors) != 1:
        raise InputError(f"{where}: a batch for a model with {_count(tensors)} is an .npz (one "
                         f"array per input, batch axis first) or a .jsonl (one input per line)")
    t = tensors[0]
    return [[row] for row in _batch_rows(_to_array(data, t, where), t, where)]


def _batch_rows(arr: np.ndarray, t: Tensor, where: str) -> list[np.ndarray]:
    if arr.ndim == 0 or arr.size == 0 or arr.size % t.size:
        raise InputError(f"{where}: {arr.size} values is not a whole number of inputs of shape "
                         f"{list(t.shape)}")
    flat = arr.reshape(-1, t.size)
    return [_typed(row, t, f"{where}[{i}]") for i, row in enumerate(flat)]


def ezkl_input(feed: Feed) -> dict[str, Any]:
    """ezkl's input JSON for one feed (integers stay integers, booleans booleans)."""
    return {"input_data": [a.reshape(-1).tolist() for a in feed] or [[]]}


def feed_sha256(feed: Feed) -> str:
    """A hash of one input's values and types (the batch journal's resume key)."""
    h = hashlib.sha256()
    for a in feed:
        h.update(f"{a.dtype.str}:{a.size};".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def feed_rows(samples: Sequence[Feed]) -> dict[str, Any]:
    """Calibration data in ezkl's form: each input's samples concatenated (ezkl splits them)."""
    if not samples:
        return {"input_data": [[]]}
    n = len(samples[0])
    return {"input_data": [[v for s in samples for v in s[i].reshape(-1).tolist()]
                           for i in range(n)] or [[]]}


def read_input(path: str | Path, tensors: Sequence[Tensor]) -> Feed:
    return coerce_feed(load_input_file(path), tensors, str(path))


def total_values(tensors: Sequence[Tensor]) -> int:
    return sum(math.prod(t.shape) for t in tensors)
