"""The one place a verdict is decided (``docs/VERDICT.md`` states the rules this module follows).

Every path that can say ``valid`` (local ``verify``, ``evm verify``, the service) calls
:func:`decide` with the circuit's public files and a proof check; only the check differs (ezkl in
process, an EVM call). The page follows the same rules in ``web/bundle.js``, and the conformance
vectors in ``tests/conformance/`` hold both to one answer per case.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from dataclasses import field as _field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .card import Card, Provenance
from .errors import BundleError, CircuitError

# BN254 scalar field modulus: every instance is a field element below it.
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617
BUNDLE_FORMAT = "zkverify.proof-bundle/1"
SUPPORTED_VISIBILITY = ("public", "private", "hashed", "fixed")

BUNDLE_KEYS = {"format", "zkverify_version", "ezkl_version", "circuit", "inputs", "outputs",
               "prediction", "visibility", "created_at", "proof"}
CIRCUIT_KEYS = {"name", "model_sha256", "settings_sha256", "vk_sha256"}
# The keys of ezkl 23's proof.json; anything else is not ezkl's and is refused.
PROOF_KEYS = {"protocol", "instances", "proof", "hex_proof", "split", "pretty_public_inputs",
              "timestamp", "version"}
_HEX = set("0123456789abcdef")


class Invalid(Exception):
    """A bundle that does not hold, naming the field that gave it away."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


# A proof check: (the bundle's proof object, the circuit) -> (accepted, why not).
ProofCheck = Callable[[dict[str, Any], "CircuitPublic"], tuple[bool, str]]


@dataclass(frozen=True)
class CircuitPublic:
    """What a verifier trusts: the card and ezkl's files, already checked against the card."""

    card: Card
    settings: dict[str, Any]
    settings_path: Path
    vk_path: Path
    srs_path: Path

    @property
    def visibility(self) -> dict[str, str]:
        return settings_visibility(self.settings)


@dataclass(frozen=True)
class Verdict:
    """The answer about one bundle. Falsy when invalid; carries proven values only."""

    valid: bool
    reason: str
    field: str | None
    circuit: str
    circuit_id: str
    proof_hash: str | None
    inputs: list[list[float]] | None
    outputs: list[list[float]] | None
    prediction: Any
    input_hashes: list[str] | None
    output_hashes: list[str] | None
    srs: Provenance
    srs_sha256: str
    weights_bound: bool
    checked_by: str
    policy: str | None = None
    seconds: float = 0.0
    warnings: list[str] = _field(default_factory=list)

    def __bool__(self) -> bool:
        return self.valid

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 4 valid but refused by a policy the caller asked for."""
        if not self.valid:
            return 1
        return 4 if self.policy else 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def settings_visibility(settings: dict[str, Any]) -> dict[str, str]:
    """Visibility as ezkl's settings.json records it (the truth the proof was made under)."""
    out = {}
    for k in ("input", "output", "param"):
        v = settings["run_args"][f"{k}_visibility"]
        if isinstance(v, dict):  # e.g. {"Hashed": {"hash_is_public": true, ...}}
            name, opts = next(iter(v.items()))
            if isinstance(opts, dict) and opts.get("hash_is_public") is False:
                name = "hashed-private"
            v = name
        out[k] = str(v).lower()
    return out


def decide(public: CircuitPublic, raw: Any, check: ProofCheck, *, checked_by: str,
           require_ceremony_srs: bool = False, circuit_id: str | None = None) -> Verdict:
    """The verdict on ``raw`` (a bundle as parsed JSON) for this circuit (docs/VERDICT.md)."""
    t0 = time.perf_counter()
    card = public.card
    if not isinstance(raw, dict) or raw.get("format") != BUNDLE_FORMAT:
        got = raw.get("format") if isinstance(raw, dict) else None
        raise BundleError(f"not a zkverify proof bundle (format {got!r}, expected {BUNDLE_FORMAT!r})")
    provenance = card.srs_provenance()
    base: dict[str, Any] = {
        "circuit": card.name, "circuit_id": card.circuit_id, "srs": provenance,
        "srs_sha256": card.srs_sha256, "weights_bound": card.weights_bound,
        "checked_by": checked_by}
    warnings = [] if card.weights_bound else [
        "the weights are not bound by this circuit (param visibility "
        f"{card.visibility.get('param')}): the proof holds for any weights of this architecture"]
    proof_hash = None
    try:
        if circuit_id is not None and circuit_id != card.circuit_id:
            # A pinned circuit: any other circuit's bundle is invalid, even with its own files.
            raise Invalid("circuit", f"the circuit files are circuit {card.circuit_id[:16]}…, not "
                                     f"the pinned --circuit-id {circuit_id[:16]}…")
        _check_shape(raw)
        _check_circuit(raw["circuit"], card)
        proof = raw["proof"]
        flat = _check_proof_object(proof)
        proof_hash = canonical_proof_hash(proof)
        vis = public.visibility
        if raw.get("visibility", {}) != vis:
            raise Invalid("visibility", "the bundle's visibility is not the circuit's "
                                        f"({raw.get('visibility')} != {vis})")
        proven = decode(card, public.settings, flat)
        if proven["param_hashes"] != card.param_hashes:
            raise Invalid("proof.instances", "the weights are not the circuit's (the params-hash "
                                             "instance differs from the one recorded at build)")
        for key in ("inputs", "outputs"):
            if not claims_hold(raw.get(key), proven, key):
                raise Invalid(key, f"the bundle's {key} do not match the public {key} in the proof")
        predicted = prediction(card, proven["outputs"])
        if not _same_prediction(raw.get("prediction"), predicted):
            raise Invalid("prediction", "the bundle's prediction does not follow from the proven "
                                        "outputs")
        ok, why = check(checked_proof(proof), public)
        if not ok:
            raise Invalid("proof", f"the proof does not verify: {why}")
    except Invalid as e:
        return Verdict(False, e.reason, e.field, proof_hash=proof_hash, inputs=None, outputs=None,
                       prediction=None, input_hashes=None, output_hashes=None, warnings=warnings,
                       seconds=round(time.perf_counter() - t0, 4), **base)
    policy = None
    if require_ceremony_srs and provenance != "ceremony":
        policy = (f"--require-ceremony-srs: the circuit's SRS is {provenance}, not the KZG "
                  f"ceremony's (sha256 {card.srs_sha256[:12]}…)")
    return Verdict(True, "", None, proof_hash=proof_hash, inputs=proven["inputs"],
                   outputs=proven["outputs"], prediction=predicted,
                   input_hashes=proven["input_hashes"], output_hashes=proven["output_hashes"],
                   policy=policy, warnings=warnings, seconds=round(time.perf_counter() - t0, 4),
                   **base)


def _check_shape(raw: dict[str, Any]) -> None:
    for key in raw:
        if key not in BUNDLE_KEYS:
            raise Invalid(key, f"unknown field {key!r} in the bundle")
    for key in ("ezkl_version", "circuit", "proof"):
        if key not in raw:
            raise Invalid(key, f"the bundle has no {key}")
    for key in ("zkverify_version", "ezkl_version", "created_at"):
        if key in raw and not isinstance(raw[key], str):
            raise Invalid(key, f"{key}: expected a string")
    c = raw["circuit"]
    if not isinstance(c, dict):
        raise Invalid("circuit", "circuit: expected an object")
    for key in c:
        if key not in CIRCUIT_KEYS:
            raise Invalid(f"circuit.{key}", f"unknown field circuit.{key!r}")
    if not isinstance(c.get("name", ""), str):
        raise Invalid("circuit.name", "circuit.name: expected a string")
    for key in ("model_sha256", "settings_sha256", "vk_sha256"):
        if not _is_hex(c.get(key), 64):
            raise Invalid(f"circuit.{key}", f"circuit.{key}: expected 64 lowercase hex digits")
    for key in ("inputs", "outputs"):
        v = raw.get(key)
        if v is not None and not (isinstance(v, list) and all(
                isinstance(row, list) and all(_is_number(x) for x in row) for row in v)):
            raise Invalid(key, f"{key}: expected null or a list of lists of numbers")
    vis = raw.get("visibility", {})
    if not isinstance(vis, dict) or not all(isinstance(v, str) for v in vis.values()):
        raise Invalid("visibility", "visibility: expected an object of strings")
    if not isinstance(raw["proof"], dict):
        raise Invalid("proof", "proof: expected ezkl's proof object")


def _check_circuit(c: dict[str, Any], card: Card) -> None:
    for key in ("model_sha256", "settings_sha256", "vk_sha256"):
        if c[key] != getattr(card, key):
            raise Invalid(f"circuit.{key}", f"the bundle belongs to another circuit (its {key} "
                                            f"{c[key][:12]}… is not {getattr(card, key)[:12]}…)")


def _check_proof_object(proof: dict[str, Any]) -> list[str]:
    """The flattened instances, after checking the proof object is ezkl 23's and nothing more."""
    for key in proof:
        if key not in PROOF_KEYS:
            raise Invalid(f"proof.{key}", f"unknown field proof.{key!r} (not in ezkl's proof.json)")
    body = proof.get("proof")
    if not (isinstance(body, list) and body and all(
            type(b) is int and 0 <= b <= 255 for b in body)):
        raise Invalid("proof.proof", "proof.proof: expected the proof bytes (integers 0-255)")
    hex_proof = proof.get("hex_proof")
    if hex_proof is not None and hex_proof != "0x" + bytes(body).hex():
        raise Invalid("proof.hex_proof", "proof.hex_proof is not the hex of proof.proof")
    for key in ("protocol", "split"):
        if proof.get(key) is not None:
            raise Invalid(f"proof.{key}", f"proof.{key}: only null is supported")
    cols = proof.get("instances")
    if not (isinstance(cols, list) and all(isinstance(col, list) for col in cols)):
        raise Invalid("proof.instances", "proof.instances: expected lists of field elements")
    flat = [f for col in cols for f in col]
    if not all(_is_hex(f, 64) and felt_int(f) < FIELD_MODULUS for f in flat):
        raise Invalid("proof.instances", "the proof's instances are not field elements "
                                         "(64 lowercase hex digits, below the field modulus)")
    return flat


def checked_proof(proof: dict[str, Any]) -> dict[str, Any]:
    """The proof object a proof check gets: only what was checked, the free-form fields blank."""
    return {"protocol": None, "instances": proof["instances"], "proof": proof["proof"],
            "hex_proof": "0x" + bytes(proof["proof"]).hex(), "split": None,
            "pretty_public_inputs": None, "timestamp": None, "version": None}


def decode(card: Card, settings: dict[str, Any], flat: list[str]) -> dict[str, Any]:
    """Split the instances by ezkl's layout (docs/VERDICT.md rule 5); Invalid on a wrong count.

    [input hashes] [params hashes] [public inputs] [public outputs] [output hashes]
    """
    vis = settings_visibility(settings)
    n_in = [math.prod(t.shape) for t in card.inputs]
    n_out = [math.prod(t.shape) for t in card.outputs]
    sizes = [
        ("input_hashes", len(n_in) if vis["input"] == "hashed" else 0),
        ("param_hashes", len(card.param_hashes) if vis["param"] == "hashed" else 0),
        ("inputs", sum(n_in) if vis["input"] == "public" else 0),
        ("outputs", sum(n_out) if vis["output"] == "public" else 0),
        ("output_hashes", len(n_out) if vis["output"] == "hashed" else 0),
    ]
    want = sum(n for _, n in sizes)
    if len(flat) != want:
        raise Invalid("proof.instances", f"the proof has {len(flat)} public instances, this "
                                         f"circuit has {want}")
    out: dict[str, Any] = {}
    at = 0
    for name, n in sizes:
        out[name] = flat[at:at + n]
        at += n
    for key, present, counts, scales in (
            ("inputs", vis["input"] == "public", n_in, settings.get("model_input_scales", [])),
            ("outputs", vis["output"] == "public", n_out, settings.get("model_output_scales", []))):
        felts = out.pop(key)
        out[key + "_felts"] = _rows(felts, counts) if present else None
        out[key + "_scale"] = [int(s) for s in scales]
        out[key] = None if not present else [
            [signed(f) / 2 ** out[key + "_scale"][i] for f in row]
            for i, row in enumerate(out[key + "_felts"])]
    for key in ("input_hashes", "output_hashes"):
        out[key] = out[key] or None
    return out


def _rows(flat: list[str], counts: list[int]) -> list[list[str]]:
    rows, at = [], 0
    for n in counts:
        rows.append(flat[at:at + n])
        at += n
    return rows


def prediction(card: Card, outputs: list[list[float]] | None) -> Any:
    """The card's prediction rule over proven outputs: argmax for a classifier, else the values."""
    if outputs is None:
        return None
    flat = [v for row in outputs for v in row]
    if card.prediction == "argmax":
        return max(range(len(flat)), key=lambda i: (flat[i], -i))
    return flat


def felt_int(felt: str) -> int:
    """ezkl writes field elements as 32 bytes little-endian, in hex."""
    return int.from_bytes(bytes.fromhex(felt), "little")


def signed(felt: str) -> int:
    v = felt_int(felt)
    return v - FIELD_MODULUS if v > (FIELD_MODULUS - 1) // 2 else v


def canonical_proof_hash(proof: dict[str, Any]) -> str:
    """sha256(proof bytes || each instance as 32 bytes big-endian): what a contract can compute
    from verifyProof's own arguments, and nothing the prover may write freely."""
    h = hashlib.sha256(bytes(proof["proof"]))
    for col in proof["instances"]:
        for f in col:
            h.update(felt_int(f).to_bytes(32, "big"))
    return h.hexdigest()


def claims_hold(claimed: Any, proven: dict[str, Any], key: str) -> bool:
    """Whether ``claimed`` equals the decoded ``key`` ("inputs"/"outputs") exactly (rule 7)."""
    return _same_values(claimed, proven[key + "_felts"], proven[key + "_scale"])


def _same_values(claimed: Any, felts: list[list[str]] | None, scales: list[int]) -> bool:
    """Exact, in the field: c matches f at scale s only when c * 2**s is the integer f."""
    if claimed is None or felts is None:
        return claimed is None and felts is None
    if len(claimed) != len(felts) or any(len(a) != len(b) for a, b in zip(claimed, felts,
                                                                           strict=True)):
        return False
    return all(Fraction(c) * 2 ** scales[i] == signed(f)
               for i, (row, frow) in enumerate(zip(claimed, felts, strict=True))
               for c, f in zip(row, frow, strict=True))


def _same_prediction(claimed: Any, proven: Any) -> bool:
    if proven is None or isinstance(proven, int):
        return type(claimed) is type(proven) and claimed == proven  # `false` is not class 0
    return (isinstance(claimed, list) and len(claimed) == len(proven)
            and all(_is_number(c) and c == p for c, p in zip(claimed, proven, strict=True)))


def _is_number(x: Any) -> bool:
    # Python ints are exact at any size (math.isfinite would overflow on a 400-digit one).
    return type(x) is int or (type(x) is float and math.isfinite(x))


def _is_hex(x: Any, n: int) -> bool:
    return isinstance(x, str) and len(x) == n and set(x) <= _HEX


def check_files(card: Card, files: dict[str, Path]) -> None:
    """E2 of docs/VERDICT.md: each of ezkl's files hashes to the card's value."""
    from .files import sha256_file_cached

    for key, path in files.items():  # remembered by file identity: a node re-hashes on change
        if sha256_file_cached(path) != getattr(card, key):
            raise CircuitError(f"{path}: does not match {key} in the circuit card (the circuit "
                               "files were modified)")
