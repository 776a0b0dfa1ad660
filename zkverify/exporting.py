"""torch -> ONNX, checked against onnxruntime on random inputs."""

from __future__ import annotations

import importlib
import importlib.util
import io
import re
import sys
import warnings
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
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    max_abs_diff: float
    checked_samples: int


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
    import torch

    factory = load_factory(spec)
    try:
        module = factory()
    except Exception as e:
        raise ModelError(f"{spec}: factory failed: {type(e).__name__}: {e}") from None
    if not isinstance(module, torch.nn.Module):
        raise ModelError(f"{spec}: factory returned {type(module).__name__}, not a torch.nn.Module")
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


def export_module(module: Any, input_shape: tuple[int, ...], out_dir: Path,
                  samples: int = 8, seed: int = 0) -> ExportResult:
    """Export ``module`` to ``out_dir/network.onnx`` and check it against onnxruntime."""
    require("torch", "onnx", "onnxruntime")  # torch.onnx.export needs onnx too
    import torch

    out_dir = Path(out_dir)
    gen = torch.Generator().manual_seed(seed)
    example = torch.rand(input_shape, generator=gen)
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), (example,), buf,  # type: ignore[arg-type]
                              input_names=["input"],
                              output_names=["output"], opset_version=OPSET, dynamo=False)
    except Exception as e:
        raise ModelError(f"torch.onnx.export failed for input shape {input_shape}: "
                         f"{str(e).splitlines()[0]}") from None
    onnx_bytes = buf.getvalue()
    xs = [torch.rand(input_shape, generator=gen) * 2 - 1 for _ in range(samples)]
    with torch.no_grad():
        outs = [module(x) for x in xs]
    if not all(isinstance(o, torch.Tensor) for o in outs):
        raise ModelError(f"the model returns {type(outs[0]).__name__}, not one tensor: zkverify "
                         f"proves models with one input and one output")
    expected = [np.asarray(o.detach().numpy()) for o in outs]
    got = run_onnx(onnx_bytes, [x.numpy() for x in xs])
    diff = 0.0
    for want, have in zip(expected, got, strict=True):
        if want.shape != have.shape:
            raise ModelError(f"ONNX output shape {have.shape} differs from torch's {want.shape}")
        diff = max(diff, float(np.max(np.abs(want - have))))
    if not np.isfinite(diff) or diff > EXPORT_ATOL:
        raise ModelError(f"ONNX export disagrees with torch: max abs diff {diff:.3g} > {EXPORT_ATOL}")
    onnx_path, input_path = out_dir / ONNX, out_dir / INPUT
    write_bytes_atomic(onnx_path, onnx_bytes)
    write_json_atomic(input_path, {"input_data": [example.flatten().tolist()]})
    return ExportResult(onnx_path, input_path, tuple(input_shape), tuple(expected[0].shape), diff,
                        samples)


def export_model(spec: str, input_shape: tuple[int, ...], out_dir: Path,
                 weights: Path | None = None) -> ExportResult:
    """The `zkverify export` stage: build the module from its spec and export it."""
    require("torch", "onnx", "onnxruntime")  # all of them before running the user's factory
    return export_module(build_module(spec, weights), input_shape, out_dir)


def run_onnx(model: bytes | Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Run the float model on each input with onnxruntime; returns the first output of each.

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
    spec = sess.get_inputs()[0]
    dtype = _ORT_DTYPES.get(spec.type, np.float32)
    out = []
    for x in inputs:
        integral = np.issubdtype(dtype, np.integer) or dtype is np.bool_
        if integral and not np.array_equal(x, np.round(x)):
            raise ModelError(f"{where}: input {spec.name!r} is {spec.type}, got a fractional value")
        try:
            out.append(np.asarray(sess.run(None, {spec.name: x.astype(dtype)})[0]))
        except Exception as e:
            raise ModelError(f"{where}: onnxruntime cannot run it: "
                             f"{str(e).strip().splitlines()[0][:200]}") from None
    return out


_ORT_DTYPES: dict[str, type] = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_,
}
