"""What a bundle claims about the model's tensors, and how each claim is checked against the proof.

A ``zkverify.proof-bundle/2`` bundle names every graph input and output (docs/VERDICT.md):

    {"name": "tokens", "dtype": "int64", "shape": [1, 8], "values": [...] | null,
     "hash": "<64 hex>" | null}                                   (outputs add "prediction")

``values`` is present exactly when the tensor is public, ``hash`` exactly when it is hashed; both
must equal what the proof's instances say, in the field (no float rounding), and carry the
tensor's type (booleans as true/false). A prediction exists only for an output declared as class
scores: the argmax over its last axis (an integer, or one per row when there are several rows).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from .tensors import Tensor

TENSOR_KEYS = {"name", "dtype", "shape", "values", "hash"}
OUTPUT_KEYS = TENSOR_KEYS | {"prediction"}
_HEX = set("0123456789abcdef")


class Invalid(Exception):
    """A bundle that does not hold, naming the field that gave it away."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def typed_value(v: int, scale: int, t: Tensor) -> int | float | bool:
    """A proven field value (already signed) as the tensor's type: bool, int, or float."""
    if t.dtype == "bool" and scale == 0 and v in (0, 1):
        return bool(v)
    if t.integral and scale == 0:
        return v
    return v / 2 ** scale


def same_value(claimed: Any, proven: int, scale: int, t: Tensor) -> bool:
    """Exact, in the field: c matches f at scale s only when c * 2**s is the integer f."""
    if t.dtype == "bool" and scale == 0 and proven in (0, 1):
        return type(claimed) is bool and int(claimed) == proven
    return is_number(claimed) and Fraction(claimed) * 2 ** scale == proven


def argmax_rows(values: list[Any], shape: tuple[int, ...] | list[int]) -> int | list[int]:
    """argmax over the last axis: an int for one row, else one per row (ties: lowest index)."""
    last = shape[-1] if shape else len(values)
    last = last or 1
    rows = [values[i:i + last] for i in range(0, len(values), last)]
    picks = [max(range(len(r)), key=lambda i, r=r: (r[i], -i)) for r in rows]  # type: ignore[misc]
    return picks[0] if len(picks) == 1 else picks


def output_prediction(rule: str, t: Tensor, values: list[Any] | None, legacy: bool) -> Any:
    """The prediction an output's proven values give under its rule (None when not public).

    ``legacy``: a card/1 circuit, whose one rule took the argmax over all the output's values.
    """
    if values is None or rule != "argmax":
        return None
    if legacy:
        return max(range(len(values)), key=lambda i: (values[i], -i))
    return argmax_rows(values, t.shape)


def check_entries(raw: Any, key: str, tensors: list[Tensor], proven: dict[str, Any],
                  rules: list[str] | None, legacy: bool) -> None:
    """The bundle's ``inputs`` or ``outputs`` list against the circuit and the proof."""
    if not isinstance(raw, list) or len(raw) != len(tensors):
        n = len(raw) if isinstance(raw, list) else None
        raise Invalid(key, f"{key}: expected a list of the circuit's {len(tensors)} {key} "
                           f"(got {n if n is not None else type(raw).__name__})")
    allowed = OUTPUT_KEYS if rules is not None else TENSOR_KEYS
    felts = proven[f"{key}_felts"]
    hashes = proven[f"{key[:-1]}_hashes"]
    scales = proven[f"{key}_scale"]
    for i, (e, t) in enumerate(zip(raw, tensors, strict=True)):
        at = f"{key}[{i}]"
        if not isinstance(e, dict):
            raise Invalid(at, f"{at}: expected an object")
        for k in e:
            if k not in allowed:
                raise Invalid(f"{at}.{k}", f"unknown field {at}.{k}")
        if e.get("name") != t.name or e.get("dtype") != t.dtype:
            raise Invalid(at, f"{at}: is {e.get('name')!r} {e.get('dtype')!r}, the circuit's is "
                              f"{t.name!r} {t.dtype!r}")
        shape = e.get("shape")
        if not (isinstance(shape, list) and all(type(d) is int for d in shape)
                and tuple(shape) == t.shape):
            raise Invalid(f"{at}.shape", f"{at}.shape: expected {list(t.shape)}")
        values = e.get("values")
        if felts is None:
            if values is not None:
                raise Invalid(f"{at}.values", f"{at}.values: the {key} are not public in this "
                                              "circuit; expected null")
        elif not (isinstance(values, list) and len(values) == len(felts[i]) and all(
                same_value(c, f, scales[i], t) for c, f in zip(values, felts[i], strict=True))):
            raise Invalid(f"{at}.values", f"{at}.values: do not match the public {key} in the "
                                          "proof")
        h = e.get("hash")
        want_hash = hashes[i] if hashes is not None else None
        if h != want_hash:
            raise Invalid(f"{at}.hash", f"{at}.hash: expected "
                                        f"{'null' if want_hash is None else 'the proof instance'}")
        if rules is not None:
            vals = None if felts is None else [typed_value(f, scales[i], t) for f in felts[i]]
            want = output_prediction(rules[i], t, vals, legacy)
            if not same_prediction(e.get("prediction"), want):
                raise Invalid(f"{at}.prediction", f"{at}.prediction: does not follow from the "
                                                  "proven outputs")


def same_prediction(claimed: Any, proven: Any) -> bool:
    if proven is None or isinstance(proven, int):
        return type(claimed) is type(proven) and claimed == proven  # `false` is not class 0
    return (isinstance(claimed, list) and len(claimed) == len(proven)
            and all(type(c) is type(p) and c == p for c, p in zip(claimed, proven, strict=True)))


def same_values_list(claimed: Any, proven: list[Any]) -> bool:
    """A legacy (bundle/1) prediction given as values: numbers equal to the proven ones."""
    return (isinstance(claimed, list) and len(claimed) == len(proven)
            and all(is_number(c) and c == p for c, p in zip(claimed, proven, strict=True)))


def is_number(x: Any) -> bool:
    # Python ints are exact at any size (math.isfinite would overflow on a 400-digit one).
    return type(x) is int or (type(x) is float and math.isfinite(x))


def is_hex(x: Any, n: int) -> bool:
    return isinstance(x, str) and len(x) == n and set(x) <= _HEX
