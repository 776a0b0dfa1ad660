"""How much the circuit's fixed-point arithmetic changes the model's outputs."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import engine
from .errors import ModelError
from .extras import require
from .inputs import Feed, ezkl_input
from .tensors import Tensor


@dataclass(frozen=True)
class QuantizationReport:
    samples: int
    max_abs_error: float | None
    mean_abs_error: float | None
    argmax_agreement: float | None
    tolerance: float | None = None
    min_agreement: float | None = None
    # "onnxruntime", or why there is no float reference (the build goes on without one).
    float_reference: str = "onnxruntime"
    per_output: dict[str, dict[str, Any]] | None = None

    @property
    def within_tolerance(self) -> bool:
        return not self.breaches()

    def breaches(self) -> list[str]:
        out = []
        if self.max_abs_error is None:
            if self.tolerance is not None or self.min_agreement is not None:
                out.append(f"no float reference to check the bound against ({self.float_reference})")
            return out
        if self.tolerance is not None and self.max_abs_error > self.tolerance:
            out.append(f"max abs error {self.max_abs_error:.4g} > tolerance {self.tolerance:g}")
        if (self.min_agreement is not None and self.argmax_agreement is not None
                and self.argmax_agreement < self.min_agreement):
            out.append(f"argmax agreement {self.argmax_agreement:.3f} < {self.min_agreement:g}")
        return out

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["within_tolerance"] = self.within_tolerance
        return d


def witnesses(compiled: Path, feeds: Sequence[Feed]) -> Iterator[dict[str, Any]]:
    """ezkl's witness of each input on the compiled circuit, in order (no proof)."""
    with tempfile.TemporaryDirectory(prefix="zkverify-witness-") as tmp:
        data, wit = Path(tmp) / "input.json", Path(tmp) / "witness.json"
        for feed in feeds:
            data.write_text(json.dumps(ezkl_input(feed)))
            yield engine.gen_witness(data, compiled, wit)


def circuit_outputs(compiled: Path, feeds: list[Feed]) -> list[list[np.ndarray]]:
    """Run each input through the compiled circuit (ezkl witness); each output as floats."""
    return [[np.asarray([float(v) for v in g]) for g in w["pretty_elements"]["rescaled_outputs"]]
            for w in witnesses(compiled, feeds)]


def float_outputs(onnx: Path, feeds: list[Feed], inputs: list[Tensor]) -> list[list[np.ndarray]]:
    """The float model's outputs on each input (onnxruntime), each input fed with its dtype."""
    require("onnxruntime")
    import onnxruntime as ort

    try:
        sess = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    except Exception as e:
        raise ModelError(f"{onnx}: onnxruntime cannot load it: {str(e).splitlines()[0]}") from None
    declared = {i.name: _ORT_DTYPES.get(i.type, np.float32) for i in sess.get_inputs()}
    out = []
    for feed in feeds:
        named: dict[str, Any] = {t.name: a.reshape(t.shape).astype(declared.get(t.name, np.float32))
                 for t, a in zip(inputs, feed, strict=True)}
        try:
            res = sess.run(None, named)
        except Exception as e:
            raise ModelError(f"{onnx}: onnxruntime cannot run it: "
                             f"{str(e).strip().splitlines()[0][:200]}") from None
        out.append([np.asarray(r, dtype=np.float64).reshape(-1) for r in res])
    return out


def measure(onnx: Path, compiled: Path, feeds: list[Feed], inputs: list[Tensor],
            outputs: list[Tensor], rules: list[str], tolerance: float | None = None,
            min_agreement: float | None = None) -> QuantizationReport:
    """Float model vs circuit on ``feeds``: errors over every output, argmax agreement over the
    outputs declared as class scores, and the same figures per output."""
    try:
        floats = float_outputs(onnx, feeds, inputs)
    except ModelError as e:
        # ezkl proves what onnxruntime cannot run: report it, never block the build on it.
        return QuantizationReport(samples=0, max_abs_error=None, mean_abs_error=None,
                                  argmax_agreement=None, tolerance=tolerance,
                                  min_agreement=min_agreement,
                                  float_reference=f"unavailable: {str(e).split(': ', 1)[-1]}")
    circ = circuit_outputs(compiled, feeds)
    per: dict[str, dict[str, Any]] = {}
    errs, agree = [], []
    for k, (t, rule) in enumerate(zip(outputs, rules, strict=True)):
        f = np.stack([row[k] for row in floats])
        c = np.stack([row[k] for row in circ])
        if f.shape != c.shape:
            raise ModelError(f"{onnx}: output {t.name!r} has {f.shape[1]} values in onnxruntime "
                             f"and {c.shape[1]} in the circuit")
        diff = np.abs(f - c)
        errs.append(diff.reshape(-1))
        entry: dict[str, Any] = {"max_abs_error": float(diff.max(initial=0)),
                                 "mean_abs_error": float(diff.mean()) if diff.size else 0.0}
        if rule == "argmax":
            last = t.shape[-1] if t.shape else t.size
            a = f.reshape(-1, last).argmax(axis=1) == c.reshape(-1, last).argmax(axis=1)
            agree.append(a)
            entry["argmax_agreement"] = float(a.mean())
        per[t.name] = entry
    allerr = np.concatenate(errs) if errs else np.zeros(0)
    return QuantizationReport(
        samples=len(feeds), max_abs_error=float(allerr.max(initial=0)),
        mean_abs_error=float(allerr.mean()) if allerr.size else 0.0,
        argmax_agreement=float(np.concatenate(agree).mean()) if agree else None,
        tolerance=tolerance, min_agreement=min_agreement, per_output=per,
    )


_ORT_DTYPES: dict[str, type] = {
    "tensor(float)": np.float32, "tensor(double)": np.float64, "tensor(float16)": np.float16,
    "tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8, "tensor(bool)": np.bool_, "tensor(int16)": np.int16,
}
