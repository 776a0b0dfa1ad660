"""Circuit specs: a TOML file under circuits/ naming a model and how to build its circuit.

```toml
name = "digits_mlp"
[model]
factory = "../examples/digits.py:digits_mlp"  # or: onnx = "model.onnx"
weights = "../examples/weights/digits_mlp.pt"
input_shape = [1, 64]             # several inputs: [[1, 3], [1, 8]] (forward's order)
# input_dtype = ["float32", "int64"]  # one per input (default float32)
classifier = true
[calibration]
data = "../examples/data/digits_calibration.npy"
target = "resources"
[visibility]
input = "public"
output = "public"
param = "fixed"
[tolerance]
max_abs_error = 0.1
min_agreement = 0.95
[run_args]            # optional fixed ezkl run args (skips nothing; calibration refines them)
```
Paths are relative to the spec file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import UsageError

VISIBILITIES = ("public", "private", "hashed", "fixed", "polycommit")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")
    factory: str | None = None
    onnx: str | None = None
    weights: str | None = None
    input_shape: list[int] | list[list[int]] | None = None
    input_dtype: list[str] | None = None
    classifier: bool | list[str] | None = None  # true (one output) or the class-score outputs


class _Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data: str | None = None
    target: str = "resources"


class _Visibility(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: str = "public"
    output: str = "public"
    param: str = "fixed"


class _Tolerance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_abs_error: float | None = Field(default=None, ge=0)
    min_agreement: float | None = Field(default=None, ge=0, le=1)  # a fraction: 0.95, not 95


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    model: _Model
    calibration: _Calibration = _Calibration()
    visibility: _Visibility = _Visibility()
    tolerance: _Tolerance = _Tolerance()
    run_args: dict[str, Any] = {}


@dataclass(frozen=True)
class CircuitSpec:
    path: Path
    name: str
    factory: str | None
    onnx: Path | None
    weights: Path | None
    input_shape: tuple[int, ...] | None
    classifier: bool | None
    calibration_data: Path | None
    calibration_target: str
    visibility: dict[str, str]
    max_abs_error: float | None
    min_agreement: float | None
    run_args: dict[str, Any] = field(default_factory=dict)
    classifier_outputs: tuple[str, ...] = ()
    input_shapes: tuple[tuple[int, ...], ...] = ()  # every input's (input_shape is the first)
    input_dtypes: tuple[str, ...] = ()


def load_spec(path: str | Path) -> CircuitSpec:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such circuit spec")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise UsageError(f"{path}: not valid TOML ({e})") from None
    try:
        s = _Spec.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise UsageError(f"{path}: {loc}: {err['msg']}") from None
    if (s.model.factory is None) == (s.model.onnx is None):
        raise UsageError(f"{path}: [model] needs exactly one of factory or onnx")
    if s.model.factory and not s.model.input_shape:
        raise UsageError(f"{path}: [model] factory needs input_shape")
    for k, v in s.visibility.model_dump().items():
        if v not in VISIBILITIES:
            raise UsageError(f"{path}: visibility.{k} = {v!r}, expected one of {VISIBILITIES}")
    shapes = _shapes(s.model.input_shape)
    if s.model.input_dtype is not None and len(s.model.input_dtype) != len(shapes):
        raise UsageError(f"{path}: [model] input_dtype has {len(s.model.input_dtype)} entries for "
                         f"{len(shapes)} input shapes")
    base = path.parent

    def rel(p: str | None) -> Path | None:
        return None if p is None else (base / p)

    factory = s.model.factory
    if factory and ":" in factory:
        target, _, attr = factory.rpartition(":")
        if target.endswith(".py") or "/" in target:
            factory = f"{base / target}:{attr}"
    return CircuitSpec(
        path=path, name=s.name, factory=factory, onnx=rel(s.model.onnx),
        weights=rel(s.model.weights),
        input_shape=shapes[0] if shapes else None, input_shapes=tuple(shapes),
        input_dtypes=tuple(s.model.input_dtype or ()),
        classifier=(True if isinstance(s.model.classifier, list) else s.model.classifier),
        classifier_outputs=tuple(s.model.classifier) if isinstance(s.model.classifier, list) else (),
        calibration_data=rel(s.calibration.data),
        calibration_target=s.calibration.target, visibility=s.visibility.model_dump(),
        max_abs_error=s.tolerance.max_abs_error, min_agreement=s.tolerance.min_agreement,
        run_args=dict(s.run_args),
    )


def _shapes(raw: list[int] | list[list[int]] | None) -> list[tuple[int, ...]]:
    if not raw:
        return []
    if all(isinstance(d, int) for d in raw):
        return [tuple(raw)]  # type: ignore[arg-type]
    return [tuple(s) for s in raw]  # type: ignore[arg-type]


def resolve_source(source: str | Path) -> Path:
    """An .onnx or .toml path; a bare name means circuits/NAME.toml."""
    p = Path(source)
    if p.exists() or p.suffix in (".onnx", ".toml"):
        return p
    candidate = Path("circuits") / f"{source}.toml"
    if candidate.is_file():
        return candidate
    return p
