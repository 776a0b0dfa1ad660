"""torch -> ONNX, checked against onnxruntime on random inputs."""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError, UsageError
from .extras import require
from .files import write_bytes_atomic, write_json_atomic
from .manifest import INPUT, ONNX

OPSET = 18  # the newest opset ezkl's tract backend is tested against
EXPORT_ATOL = 1e-4


@dataclass(frozen=True)
class ExportResult:
    onnx_path: Path
    input_path: Path
    input_shape: tuple[int, ...]  # the first input's (kept for one-input callers)
    output_shape: tuple[int, ...]  # the first output's
    max_abs_diff: float
    checked_samples: int
    input_names: tuple[str, ...] = ("input",)
    input_shapes: tuple[tuple[int, ...], ...] = ()
    input_dtypes: tuple[str, ...] = ("float32",)
    output_names: tuple[str, ...] = ("output",)
    output_shapes: tuple[tuple[int, ...], ...] = ()
    framework: str = "torch"  # or sklearn / xgboost / lightgbm (converted with hummingbird)
    reference: str = "torch"  # what the ONNX graph was checked against
    classifier_outputs: tuple[str, ...] = ()  # outputs holding class scores (estimators)


Shapes = tuple[int, ...] | Sequence[tuple[int, ...]]
EXPORT_DTYPES = ("float32", "float64", "int32", "int64", "bool")


def shape_list(shapes: Shapes | None) -> list[tuple[int, ...]]:
    """One shape ``(1, 4)`` or several ``[(1, 3), (1, 8)]`` as a list of shapes."""
    if shapes is None:
        return []
    items: list[Any] = list(shapes)
    if items and all(isinstance(d, int) for d in items):
        return [tuple(int(d) for d in items)]
    return [tuple(int(d) for d in s) for s in items]


def parse_shape(text: str) -> tuple[int, ...]:
    """'1,64' or '1x64' -> (1, 64); anything else (like '1,x') is an error, never a guess."""
    parts = re.split(r"[,x]", text.replace(" ", ""))
    if not all(p.isdigit() for p in parts):
        raise UsageError(f"--input-shape {text!r}: expected positive integers like 1,64 or 1x64")
    shape = tuple(int(p) for p in parts)
    if any(d <= 0 for d in shape):
        raise UsageError(f"--input-shape {text!r}: every dimension must be a positive integer")
    return shape


def load_factory(spec: str) -> Any:
    """Resolve 'path/to/file.py:factory' or 'package.module:factory' to the callable."""
    if ":" not in spec:
        raise ModelError(f"{spec}: expected path/to/file.py:factory or package.module:factory")
    target, _, attr = spec.rpartition(":")
    if target.endswith(".py") or "/" in target:
        path = Path(target)
        if not path.is_file():
            raise ModelError(f"{path}: no such file")
        name = f"_zkverify_model_{abs(hash(path.resolve()))}"
        mod_spec = importlib.util.spec_from_file_location(name, path)
        if mod_spec is None or mod_spec.loader is None:
            raise ModelError(f"{path}: cannot be imported as a Python module")
        module = importlib.util.module_from_spec(mod_spec)
        sys.modules[name] = module
        sys.path.insert(0, str(path.parent.resolve()))
        try:
            mod_spec.loader.exec_module(module)
        except Exception as e:  # user code: any failure is the user's to read
            raise ModelError(f"{path}: importing failed: {type(e).__name__}: {e}") from None
        finally:
            sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as e:
            raise ModelError(f"{target}: cannot import module ({e})") from None
    factory = getattr(module, attr, None)
    if factory is None or not callable(factory):
        raise ModelError(f"{spec}: no callable named {attr!r}")
    return factory


def build_module(spec: str, weights: Path | None = None) -> Any:
    """The torch module (or fitted estimator) the factory returns, weights loaded."""
    import torch

    factory = load_factory(spec)
    try:
        module = factory()
    except Exception as e:
        raise ModelError(f"{spec}: factory failed: {type(e).__name__}: {e}") from None
    from .converters import is_estimator

    if is_estimator(module):
        if weights is not None:
            raise UsageError(f"{spec}: --weights is for torch state dicts; the factory returned a "
                             f"fitted {type(module).__name__}")
        return module
    if not isinstance(module, torch.nn.Module):
        raise ModelError(f"{spec}: factory returned {type(module).__name__}, not a torch.nn.Module "
                         f"or a fitted scikit-learn, XGBoost or LightGBM estimator")
    if weights is not None:
        if not Path(weights).is_file():
            raise ModelError(f"{weights}: no such file")
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            module.load_state_dict(state)
        except Exception as e:
            raise ModelError(f"{weights}: cannot load state dict: {_state_dict_problem(e)}") from None
    return module.eval()


def _state_dict_problem(e: Exception) -> str:
    """One readable line for a state dict that torch cannot load (its messages can be empty)."""
    text = str(e).strip()
    if isinstance(e, EOFError | RuntimeError) and not text or "pickle" in text.lower() \
            or "Weights only load failed" in text:
        return ("not a PyTorch state dict saved with torch.save (truncated, corrupt, or "
                "holding objects other than tensors)")
    return text.splitlines()[0] if text else type(e).__name__


def export_module(module: Any, input_shape: Shapes, out_dir: Path, samples: int = 8,
                  seed: int = 0, input_dtypes: Sequence[str] | None = None) -> ExportResult:
    """Export ``module`` to ``out_dir/network.onnx`` and check it against onnxruntime.

    One input is named ``input``; several take the names of ``forward``'s parameters. Integer
    inputs get random ids below the smallest ``nn.Embedding`` (token ids must index it).
    """
    require("torch", "onnx", "onnxruntime")  # torch.onnx.export needs onnx too
    import torch

    out_dir = Path(out_dir)
    shapes = shape_list(input_shape)
    dtypes = _dtypes(input_dtypes, len(shapes))
    names = _input_names(module, len(shapes))
    gen = torch.Generator().manual_seed(seed)
    high = min((m.num_embeddings for m in module.modules()
                if isinstance(m, torch.nn.Embedding)), default=2)

    def draw(shape: tuple[int, ...], dtype: str, centred: bool) -> Any:
        if dtype == "bool":
            return torch.randint(0, 2, shape, generator=gen).bool()
        if dtype in ("int32", "int64"):
            return torch.randint(0, high, shape, generator=gen).to(getattr(torch, dtype))
        x = torch.rand(shape, generator=gen, dtype=getattr(torch, dtype))
        return x * 2 - 1 if centred else x

    example = tuple(draw(s, d, False) for s, d in zip(shapes, dtypes, strict=True))
    buf = io.BytesIO()
    with torch.no_grad():
        first = _outputs(module, example)
    out_names = ["output"] if len(first) == 1 else [f"output_{i}" for i in range(len(first))]
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), example, buf,  # type: ignore[arg-type]
                              input_names=names, output_names=out_names,
                              opset_version=OPSET, dynamo=False)
    except Exception as e:
        raise ModelError(f"torch.onnx.export failed for input shape "
                         f"{', '.join(str(list(s)) for s in shapes)}: "
                         f"{str(e).splitlines()[0]}") from None
    onnx_bytes = buf.getvalue()
    xs = [tuple(draw(s, d, True) for s, d in zip(shapes, dtypes, strict=True))
          for _ in range(samples)]
    with torch.no_grad():
        expected = [[np.asarray(o.numpy()) for o in _outputs(module, x)] for x in xs]
    got = run_onnx(onnx_bytes, [[t.numpy() for t in x] for x in xs], all_outputs=True)
    diff = compare_outputs(expected, got, out_names, "torch")
    if diff > EXPORT_ATOL:
        raise ModelError(f"ONNX export disagrees with torch: max abs diff {diff:.3g} > {EXPORT_ATOL}")
    onnx_path, input_path = out_dir / ONNX, out_dir / INPUT
    write_bytes_atomic(onnx_path, onnx_bytes)
    write_json_atomic(input_path, {"input_data": [t.flatten().tolist() for t in example] or [[]]})
    out_shapes = tuple(tuple(o.shape) for o in expected[0]) if expected else ()
    return ExportResult(onnx_path, input_path, shapes[0] if shapes else (), out_shapes[0], diff,
                        samples, tuple(names), tuple(shapes), tuple(dtypes), tuple(out_names),
                        out_shapes)


def _outputs(module: Any, inputs: tuple[Any, ...]) -> list[Any]:
    """The module's outputs as a flat list of tensors (a tuple of tensors is several outputs)."""
    import torch

    try:
        out = module(*inputs)
    except Exception as e:
        raise ModelError(f"the model fails on inputs of shape "
                         f"{', '.join(str(list(t.shape)) for t in inputs)}: "
                         f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}") from None
    outs = list(out) if isinstance(out, tuple | list) else [out]
    if not outs or not all(isinstance(o, torch.Tensor) for o in outs):
        raise ModelError(f"the model returns {type(out).__name__}: zkverify exports models that "
                         f"return a tensor or a tuple of tensors")
    return outs


def _input_names(module: Any, n: int) -> list[str]:
    """``input`` for one input (as before); else forward's own parameter names."""
    import inspect

    if n == 1:
        return ["input"]
    try:
        params = [p.name for p in inspect.signature(module.forward).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    return params[:n] if len(params) >= n else [f"input_{i}" for i in range(n)]


def _dtypes(dtypes: Sequence[str] | None, n: int) -> list[str]:
    out = list(dtypes or [])
    if out and len(out) != n:
        raise UsageError(f"--input-dtype given {len(out)} times for {n} input shape"
                         f"{'s' * (n != 1)}: give one per --input-shape, in order")
    for d in out:
        if d not in EXPORT_DTYPES:
            raise UsageError(f"--input-dtype {d!r}: expected one of {', '.join(EXPORT_DTYPES)}")
    return out or ["float32"] * n


def compare_outputs(expected: list[list[np.ndarray]], got: list[list[np.ndarray]],
                    names: Sequence[str], reference: str) -> float:
    """Largest absolute difference between reference and ONNX outputs; a shape or count
    mismatch is an error (structural failure stops)."""
    diff = 0.0
    for want, have in zip(expected, got, strict=True):
        if len(want) != len(have):
            raise ModelError(f"the ONNX graph has {len(have)} outputs, {reference} gives {len(want)}")
        for name, w, h in zip(names, want, have, strict=True):
            if w.size != h.size:
                raise ModelError(f"ONNX output {name!r} has shape {list(h.shape)}, {reference}'s is "
                                 f"{list(w.shape)}")
            d = np.abs(w.astype(np.float64).reshape(-1) - h.astype(np.float64).reshape(-1))
            diff = max(diff, float(np.max(d, initial=0.0)))
    if not np.isfinite(diff):
        raise ModelError(f"ONNX export disagrees with {reference}: non-finite outputs")
    return diff


def export_model(spec: str, input_shape: Shapes | None, out_dir: Path,
                 weights: Path | None = None, input_dtypes: Sequence[str] | None = None
                 ) -> ExportResult:
    """The `zkverify export` stage: a torch module from ``file.py:factory`` /
    ``package.module:factory``, or a fitted scikit-learn / XGBoost / LightGBM estimator (a
    pickle or joblib file, or a factory returning one), to ``out_dir/network.onnx``."""
    require("torch", "onnx", "onnxruntime")  # all of them before running the user's code
    from .converters import ESTIMATOR_SUFFIXES, export_estimator, is_estimator, load_estimator

    shapes = shape_list(input_shape)
    if Path(spec).suffix in ESTIMATOR_SUFFIXES:
        if weights is not None:
            raise UsageError("--weights is for torch modules; an estimator file holds its own")
        return export_estimator(load_estimator(Path(spec)), shapes, Path(out_dir), input_dtypes)
    model = build_module(spec, weights)
    if is_estimator(model):
        return export_estimator(model, shapes, Path(out_dir), input_dtypes)
    if not shapes:
        raise UsageError("--input-shape is required for a torch module (e.g. --input-shape 1,64)")
    return export_module(model, shapes, out_dir, input_dtypes=input_dtypes)


def run_onnx(model: bytes | Path, inputs: Sequence[Any], all_outputs: bool = False) -> list[Any]:
    """Run the float model on each input with onnxruntime.

    Each item of ``inputs`` is one array (a one-input model) or a list of arrays, one per graph
    input. Returns the first output of each run, or with ``all_outputs`` the list of outputs.
    Each input is fed with the dtype the graph declares (an int64 token id, a bool mask), so an
    integral float such as ``51.0`` is a valid integer and ``0.5`` where one is required is an
    error naming the tensor. Any failure of onnxruntime is a one-line ModelError.
    """
    require("onnxruntime")
    import onnxruntime as ort

    where = model if isinstance(model, Path) else "ONNX graph"
    src = model if isinstance(model, bytes) else str(model)
    try:
        sess = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    except Exception as e:
        raise ModelError(f"{where}: onnxruntime cannot load it: {str(e).splitlines()[0]}") from None
    specs = sess.get_inputs()
    out = []
    for item in inputs:
        arrays = [item] if isinstance(item, np.ndarray) else list(item)
        if len(arrays) != len(specs):
            raise ModelError(f"{where}: the graph has {len(specs)} inputs, got {len(arrays)}")
        feed: dict[str, np.ndarray] = {}
        for spec, x in zip(specs, arrays, strict=True):
            dtype = _ORT_DTYPES.get(spec.type, np.float32)
            integral = np.issubdtype(dtype, np.integer) or dtype is np.bool_
            x = np.asarray(x)
            if integral and x.dtype.kind == "f" and not np.array_equal(x, np.round(x)):
                raise ModelError(f"{where}: input {spec.name!r} is {spec.type}, got a fractional "
                                 f"value")
            feed[spec.name] = x.astype(dtype)
        try:
            res = [np.asarray(r) for r in sess.run(None, feed)]
        except Exception as e:
            raise ModelError(f"{where}: onnxruntime cannot run it: "
                             f"{str(e).strip().splitlines()[0][:200]}") from None
        out.append(res if all_outputs else res[0])
    return out


_ORT_DTYPES: dict[str, type] = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_,
}
