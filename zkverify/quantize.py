"""How much the circuit's fixed-point arithmetic changes the model's outputs."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import engine
from .errors import ModelError
from .exporting import run_onnx
from .inputs import ezkl_input


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


def circuit_outputs(compiled: Path, samples: np.ndarray) -> np.ndarray:
    """Run each sample through the compiled circuit (ezkl witness); outputs as floats."""
    outs = []
    with tempfile.TemporaryDirectory(prefix="zkverify-q-") as tmp:
        data, wit = Path(tmp) / "input.json", Path(tmp) / "witness.json"
        for row in samples:
            data.write_text(json.dumps(ezkl_input(row)))
            w = engine.gen_witness(data, compiled, wit)
            outs.append(decode_rescaled(w["pretty_elements"]["rescaled_outputs"]))
    return np.asarray(outs)


def decode_rescaled(groups: list[list[str]]) -> list[float]:
    return [float(v) for g in groups for v in g]


def measure(onnx: Path, compiled: Path, samples: np.ndarray, input_shape: tuple[int, ...],
            classifier: bool, tolerance: float | None = None,
            min_agreement: float | None = None) -> QuantizationReport:
    try:
        floats = np.asarray([o.reshape(-1) for o in
                             run_onnx(onnx, [s.reshape(input_shape) for s in samples])])
    except ModelError as e:
        # ezkl proves what onnxruntime cannot run: report it, never block the build on it.
        return QuantizationReport(samples=0, max_abs_error=None, mean_abs_error=None,
                                  argmax_agreement=None, tolerance=tolerance,
                                  min_agreement=min_agreement,
                                  float_reference=f"unavailable: {str(e).split(': ', 1)[-1]}")
    circ = circuit_outputs(compiled, samples)
    err = np.abs(floats - circ)
    agreement = None
    if classifier:
        agreement = float(np.mean(floats.argmax(axis=1) == circ.argmax(axis=1)))
    return QuantizationReport(
        samples=len(samples), max_abs_error=float(err.max()), mean_abs_error=float(err.mean()),
        argmax_agreement=agreement, tolerance=tolerance, min_agreement=min_agreement,
    )
