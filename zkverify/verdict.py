"""The one place a verdict is decided (``docs/VERDICT.md`` states the rules this module follows).

Every path that can say ``valid`` (local ``verify``, ``evm verify``, the service) calls
:func:`decide` with the circuit's public files and a proof check; only the check differs (ezkl in
process, an EVM call). The page follows the same rules in ``web/bundle.js``, and the conformance
vectors in ``tests/conformance/`` hold both to one answer per case.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from dataclasses import field as _field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .card import Card, Provenance
from .claims import (
    Invalid,
    check_entries,
    is_hex,
    is_number,
    output_prediction,
    same_prediction,
    same_values_list,
    typed_value,
)
from .errors import BundleError, CircuitError
from .tensors import Tensor

if TYPE_CHECKING:
    from .slicing.card import SlicedPublic

# BN254 scalar field modulus: every instance is a field element below it.
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617
BUNDLE_FORMAT = "zkverify.proof-bundle/2"
BUNDLE_FORMAT_V1 = "zkverify.proof-bundle/1"  # one prediction; still verifies (one-output circuits)
BUNDLE_FORMATS = (BUNDLE_FORMAT_V1, BUNDLE_FORMAT)
BUNDLE_KINDS = ("single", "batched")  # sliced and chunked bundles are later kinds of format 2
SUPPORTED_VISIBILITY = ("public", "private", "hashed", "fixed")

BUNDLE_KEYS_V1 = {"format", "zkverify_version", "ezkl_version", "circuit", "inputs", "outputs",
                  "prediction", "visibility", "created_at", "proof"}
BUNDLE_KEYS = {"format", "kind", "zkverify_version", "ezkl_version", "circuit", "inputs",
               "outputs", "visibility", "created_at", "proof", "batch"}
CIRCUIT_KEYS_V1 = {"name", "model_sha256", "settings_sha256", "vk_sha256"}
CIRCUIT_KEYS = CIRCUIT_KEYS_V1 | {"id"}
# The keys of ezkl 23's proof.json; anything else is not ezkl's and is refused.
PROOF_KEYS = {"protocol", "instances", "proof", "hex_proof", "split", "pretty_public_inputs",
              "timestamp", "version"}

__all__ = ["BUNDLE_FORMAT", "CircuitPublic", "Invalid", "ProofCheck", "Verdict", "decide"]

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
    """The answer about one bundle. Falsy when invalid; carries proven values only.

    ``inputs``/``outputs`` hold one list of values per graph tensor (in ONNX order, named by
    ``input_names``/``output_names``); ``by_output`` maps each public output to its prediction
    (the argmax for class scores, else its values); ``prediction`` is the one output's, or
    ``by_output`` itself for a model with several outputs.
    """

    valid: bool
    reason: str
    field: str | None
    circuit: str
    circuit_id: str
    proof_hash: str | None
    inputs: list[list[Any]] | None
    outputs: list[list[Any]] | None
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
    input_names: list[str] = _field(default_factory=list)
    output_names: list[str] = _field(default_factory=list)
    by_output: dict[str, Any] | None = None
    format: str = BUNDLE_FORMAT
    # One entry per real input, in input order (a batched proof's padding never counts): the
    # one output's prediction, or all outputs' by name.
    predictions: list[Any] | None = None
    batch: dict[str, int] | None = None
    # An evaluation bundle: the proven accuracy, correct, total, dataset_sha256, chunks.
    accuracy: float | None = None
    correct: int | None = None
    total: int | None = None
    dataset_sha256: str | None = None

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

    def proves(self) -> str:
        """What a valid verdict proves, in words: the prediction, or each real input's."""
        return proves_text(self.to_dict())


def proves_text(v: dict[str, Any]) -> str:
    """"prediction P", or for a batched bundle "predictions [..] (N inputs in a batch of B)"."""
    if v.get("accuracy") is not None:
        return (f"accuracy {v['accuracy']:.4f} ({v.get('correct')}/{v.get('total')} correct) on "
                f"data set {str(v.get('dataset_sha256'))[:16]}…")
    batch = v.get("batch")
    if batch:
        return (f"predictions {v.get('predictions')} ({batch['real']} input"
                f"{'s' * (batch['real'] != 1)} in a batch of {batch['size']})")
    return f"prediction {v.get('prediction')}"


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


def decide(public: CircuitPublic | SlicedPublic, raw: Any, check: ProofCheck, *, checked_by: str,
           require_ceremony_srs: bool = False, circuit_id: str | None = None,
           min_accuracy: float | None = None, dataset_sha256: str | None = None) -> Verdict:
    """The verdict on ``raw`` (a bundle as parsed JSON) for this circuit (docs/VERDICT.md)."""
    t0 = time.perf_counter()
    fmt = raw.get("format") if isinstance(raw, dict) else None
    if fmt not in BUNDLE_FORMATS:
        raise BundleError(f"not a zkverify proof bundle (format {fmt!r}, expected "
                          f"{BUNDLE_FORMAT!r})")
    if raw.get("kind") == "sliced" or not isinstance(public, CircuitPublic):
        # Sliced circuits and bundles: their rules live with slicing (docs/VERDICT.md, S1-S8).
        from .slicing.verdict import decide_sliced

        return decide_sliced(public, raw, check, checked_by=checked_by,
                             require_ceremony_srs=require_ceremony_srs, circuit_id=circuit_id)
    card = public.card
    provenance = card.srs_provenance()
    base: dict[str, Any] = {
        "circuit": card.name, "circuit_id": card.circuit_id, "srs": provenance,
        "srs_sha256": card.srs_sha256, "weights_bound": card.weights_bound,
        "checked_by": checked_by, "format": fmt,
        "input_names": [t.name for t in card.input_tensors()],
        "output_names": [t.name for t in card.output_tensors()]}
    warnings = [] if card.weights_bound else [
        "the weights are not bound by this circuit (param visibility "
        f"{card.visibility.get('param')}): the proof holds for any weights of this architecture"]
    proof_hash = None
    try:
        if circuit_id is not None and circuit_id != card.circuit_id:
            # A pinned circuit: any other circuit's bundle is invalid, even with its own files.
            raise Invalid("circuit", f"the circuit files are circuit {card.circuit_id[:16]}…, not "
                                     f"the pinned --circuit-id {circuit_id[:16]}…")
        if not isinstance(raw, dict):
            raise Invalid("format", "not a bundle object")
        if fmt == BUNDLE_FORMAT and raw.get("kind") == "evaluation":
            return _evaluation_verdict(public, raw, check, base, warnings, t0,
                                       require_ceremony_srs, min_accuracy, dataset_sha256)
        v1 = fmt == BUNDLE_FORMAT_V1
        _check_shape(raw, v1)
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
        predictions = proven_predictions(card, proven)
        predicted = summary_prediction(predictions)
        real = 1 if v1 else check_batch(raw, card, proven)
        per_input = row_predictions(card, proven, real)
        if v1:
            _check_claims_v1(raw, card, proven, predicted)
        else:
            legacy = card.format == "zkverify.card/1"
            check_entries(raw["inputs"], "inputs", card.input_tensors(), proven, None, legacy)
            check_entries(raw["outputs"], "outputs", card.output_tensors(), proven,
                          card.output_rules(), legacy)
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
    if card.batch_size:  # padding never counts: a batched verdict predicts its real inputs
        predicted, predictions = per_input, None
    return Verdict(True, "", None, proof_hash=proof_hash, inputs=proven["inputs"],
                   outputs=proven["outputs"], prediction=predicted, by_output=predictions,
                   predictions=per_input,
                   batch=None if not card.batch_size else {"size": card.batch_size, "real": real},
                   input_hashes=proven["input_hashes"], output_hashes=proven["output_hashes"],
                   policy=policy, warnings=warnings, seconds=round(time.perf_counter() - t0, 4),
                   **base)


def _evaluation_verdict(public: CircuitPublic, raw: dict[str, Any], check: ProofCheck,
                        base: dict[str, Any], warnings: list[str], t0: float,
                        require_ceremony_srs: bool, min_accuracy: float | None,
                        pinned: str | None) -> Verdict:
    """kind "evaluation" (zkverify.evaluation_verdict): valid proofs of a proven accuracy."""
    from .evaluation_verdict import check_evaluation

    card = public.card
    c = raw.get("circuit")
    if not isinstance(c, dict) or set(c) - CIRCUIT_KEYS or not all(
            is_hex(c.get(k), 64) for k in ("id", "model_sha256", "settings_sha256", "vk_sha256")):
        raise Invalid("circuit", "circuit: expected the circuit's id and hashes")
    _check_circuit(c, card)
    if raw.get("visibility", {}) != public.visibility:
        raise Invalid("visibility", "the bundle's visibility is not the circuit's")
    figures = check_evaluation(public, raw, check, pinned)
    policy = None
    if require_ceremony_srs and base["srs"] != "ceremony":
        policy = (f"--require-ceremony-srs: the circuit's SRS is {base['srs']}, not the KZG "
                  f"ceremony's")
    elif min_accuracy is not None and figures["accuracy"] < min_accuracy:
        policy = (f"--min-accuracy {min_accuracy:g}: the proven accuracy is "
                  f"{figures['accuracy']:.4f} ({figures['correct']}/{figures['total']})")
    return Verdict(True, "", None, proof_hash=figures["proof_hash"], inputs=None, outputs=None,
                   prediction=None, input_hashes=None, output_hashes=None, policy=policy,
                   warnings=warnings, seconds=round(time.perf_counter() - t0, 4),
                   accuracy=figures["accuracy"], correct=figures["correct"],
                   total=figures["total"], dataset_sha256=figures["dataset_sha256"], **base)


def proven_predictions(card: Card, proven: dict[str, Any]) -> dict[str, Any] | None:
    """Each public output's prediction: the argmax for class scores, else its values."""
    if proven["outputs"] is None:
        return None
    legacy = card.format == "zkverify.card/1"
    out = {}
    for t, rule, vals in zip(card.output_tensors(), card.output_rules(), proven["outputs"],
                             strict=True):
        p = output_prediction(rule, t, vals, legacy)
        out[t.name] = vals if p is None else p
    return out


def check_batch(raw: dict[str, Any], card: Card, proven: dict[str, Any]) -> int:
    """How many rows of the proof are real inputs: 1, or ``batch.real`` for a batched circuit,
    after checking the kind and, where the inputs are public, that every padding row is a copy
    of the first input (zkverify.batching)."""
    b = card.batch_size
    kind = "batched" if b else "single"
    if raw.get("kind") != kind:
        raise Invalid("kind", f"kind: this circuit's bundles are {kind!r}, not {raw.get('kind')!r}")
    if not b:
        if raw.get("batch") is not None:
            raise Invalid("batch", "batch: this circuit is not batched; expected no batch")
        return 1
    batch = raw.get("batch")
    if not (isinstance(batch, dict) and set(batch) == {"size", "real"}
            and type(batch["size"]) is int and type(batch["real"]) is int):
        raise Invalid("batch", "batch: expected {\"size\": B, \"real\": N}")
    if batch["size"] != b or not 1 <= batch["real"] <= b:
        raise Invalid("batch", f"batch: size must be the circuit's {b} and real in 1..{b}")
    real = int(batch["real"])
    for i, felts in enumerate(proven["inputs_felts"] or []):
        rows_ = [felts[k * len(felts) // b:(k + 1) * len(felts) // b] for k in range(b)]
        if any(r != rows_[0] for r in rows_[real:]):
            raise Invalid("batch.real", f"batch.real: input {i}'s rows after the first {real} "
                                        "are not copies of the first input (padding)")
    return real


def row_predictions(card: Card, proven: dict[str, Any], real: int) -> list[Any] | None:
    """One prediction per real input row (the whole output for an unbatched circuit)."""
    if proven["outputs"] is None:
        return None
    b = card.batch_size or 1
    legacy = card.format == "zkverify.card/1"
    out = []
    for r in range(real):
        per: dict[str, Any] = {}
        for t, rule, vals in zip(card.output_tensors(), card.output_rules(), proven["outputs"],
                                 strict=True):
            n = len(vals) // b
            row = vals[r * n:(r + 1) * n]
            shape = (1, *t.shape[1:]) if b > 1 else t.shape
            p = output_prediction(rule, Tensor(t.name, t.dtype, shape), row, legacy)
            per[t.name] = row if p is None else p
        out.append(next(iter(per.values())) if len(per) == 1 else per)
    return out


def tensor_claims(card: Card, proven: dict[str, Any]
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``inputs`` and ``outputs`` entries of a bundle/2 that state exactly what was proven."""
    preds = proven_predictions(card, proven) or {}
    rules = card.output_rules()
    out: dict[str, list[dict[str, Any]]] = {}
    for key, tensors in (("inputs", card.input_tensors()), ("outputs", card.output_tensors())):
        values, hashes = proven[key], proven[f"{key[:-1]}_hashes"]
        out[key] = []
        for i, t in enumerate(tensors):
            c: dict[str, Any] = {"name": t.name, "dtype": t.dtype, "shape": list(t.shape),
                                 "values": None if values is None else values[i],
                                 "hash": None if hashes is None else hashes[i]}
            if key == "outputs":
                c["prediction"] = preds.get(t.name) if rules[i] == "argmax" else None
            out[key].append(c)
    return out["inputs"], out["outputs"]


def summary_prediction(predictions: dict[str, Any] | None) -> Any:
    """The one output's prediction, or all of them by name for a model with several outputs."""
    if predictions is None:
        return None
    return next(iter(predictions.values())) if len(predictions) == 1 else predictions


def _check_claims_v1(raw: dict[str, Any], card: Card, proven: dict[str, Any],
                     predicted: Any) -> None:
    """A bundle of the first format: value lists per tensor and one prediction."""
    if len(card.outputs) != 1 or card.batch_size:
        what = (f"the {len(card.outputs)} outputs" if len(card.outputs) != 1
                else f"the {card.batch_size} rows")
        raise Invalid("format", f"a {BUNDLE_FORMAT_V1} bundle cannot state {what} of this "
                                "circuit")
    for key in ("inputs", "outputs"):
        if not claims_hold(raw.get(key), proven, key):
            raise Invalid(key, f"the bundle's {key} do not match the public {key} in the proof")
    claimed = raw.get("prediction")
    ok = (same_values_list(claimed, predicted) if isinstance(predicted, list)
          else same_prediction(claimed, predicted))
    if not ok:
        raise Invalid("prediction", "the bundle's prediction does not follow from the proven "
                                    "outputs")


def _check_shape(raw: dict[str, Any], v1: bool) -> None:
    keys = BUNDLE_KEYS_V1 if v1 else BUNDLE_KEYS
    for key in raw:
        if key not in keys:
            raise Invalid(key, f"unknown field {key!r} in the bundle")
    required = ("ezkl_version", "circuit", "proof") if v1 else (
        "kind", "ezkl_version", "circuit", "inputs", "outputs", "proof")
    for key in required:
        if key not in raw:
            raise Invalid(key, f"the bundle has no {key}")
    if not v1 and raw["kind"] not in BUNDLE_KINDS:
        raise Invalid("kind", f"kind: {raw['kind']!r} is not a kind this verifier knows "
                              f"({', '.join(BUNDLE_KINDS)})")
    for key in ("zkverify_version", "ezkl_version", "created_at"):
        if key in raw and not isinstance(raw[key], str):
            raise Invalid(key, f"{key}: expected a string")
    c = raw["circuit"]
    if not isinstance(c, dict):
        raise Invalid("circuit", "circuit: expected an object")
    for key in c:
        if key not in (CIRCUIT_KEYS_V1 if v1 else CIRCUIT_KEYS):
            raise Invalid(f"circuit.{key}", f"unknown field circuit.{key!r}")
    if not isinstance(c.get("name", ""), str):
        raise Invalid("circuit.name", "circuit.name: expected a string")
    for key in ("model_sha256", "settings_sha256", "vk_sha256") + (() if v1 else ("id",)):
        if not is_hex(c.get(key), 64):
            raise Invalid(f"circuit.{key}", f"circuit.{key}: expected 64 lowercase hex digits")
    if v1:
        for key in ("inputs", "outputs"):
            v = raw.get(key)
            if v is not None and not (isinstance(v, list) and all(
                    isinstance(row, list) and all(is_number(x) for x in row) for row in v)):
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
    if "id" in c and c["id"] != card.circuit_id:
        raise Invalid("circuit.id", f"the bundle belongs to another circuit (its id "
                                    f"{c['id'][:12]}… is not {card.circuit_id[:12]}…)")


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
    if not all(is_hex(f, 64) and felt_int(f) < FIELD_MODULUS for f in flat):
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

    [input hashes] [params hashes] [public inputs] [public outputs] [output hashes]: one hash
    per tensor under ``hashed``, each public tensor's values in ONNX order. Values come back
    typed (bool, int at scale 0, else float); ``*_felts`` hold the signed field integers.
    """
    vis = settings_visibility(settings)
    ins, outs = card.input_tensors(), card.output_tensors()
    n_in = [t.size for t in ins]
    n_out = [t.size for t in outs]
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
    for key, present, counts, tensors, scales in (
            ("inputs", vis["input"] == "public", n_in, ins, settings.get("model_input_scales", [])),
            ("outputs", vis["output"] == "public", n_out, outs,
             settings.get("model_output_scales", []))):
        felts = out.pop(key)
        out[key + "_scale"] = [int(s) for s in scales]
        if len(out[key + "_scale"]) != len(tensors):
            raise CircuitError(f"settings.json: {len(scales)} {key} scales for the card's "
                               f"{len(tensors)} {key}")
        rows = [[signed(f) for f in row] for row in _rows(felts, counts)] if present else None
        out[key + "_felts"] = rows
        out[key] = None if rows is None else [
            [typed_value(v, out[key + "_scale"][i], tensors[i]) for v in row]
            for i, row in enumerate(rows)]
    for key in ("input_hashes", "output_hashes"):
        out[key] = out[key] or None
    return out


def _rows(flat: list[str], counts: list[int]) -> list[list[str]]:
    rows, at = [], 0
    for n in counts:
        rows.append(flat[at:at + n])
        at += n
    return rows


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


def sliced_proof_hash(proofs: list[dict[str, Any]]) -> str:
    """A sliced bundle's proof hash: sha256 over each slice's canonical proof hash, in order."""
    return hashlib.sha256(b"".join(bytes.fromhex(canonical_proof_hash(p))
                                   for p in proofs)).hexdigest()


def claims_hold(claimed: Any, proven: dict[str, Any], key: str) -> bool:
    """Whether ``claimed`` (value lists per tensor) equals the decoded ``key`` exactly (rule 7)."""
    felts, scales = proven[key + "_felts"], proven[key + "_scale"]
    if claimed is None or felts is None:
        return claimed is None and felts is None
    if not isinstance(claimed, list) or len(claimed) != len(felts) or any(
            not isinstance(a, list) or len(a) != len(b) for a, b in zip(claimed, felts,
                                                                        strict=True)):
        return False
    return all(is_number(c) and Fraction(c) * 2 ** scales[i] == f
               for i, (row, frow) in enumerate(zip(claimed, felts, strict=True))
               for c, f in zip(row, frow, strict=True))


def check_files(card: Card, files: dict[str, Path]) -> None:
    """E2 of docs/VERDICT.md: each of ezkl's files hashes to the card's value."""
    from .files import sha256_file_cached

    for key, path in files.items():  # remembered by file identity: a node re-hashes on change
        if sha256_file_cached(path) != getattr(card, key):
            raise CircuitError(f"{path}: does not match {key} in the circuit card (the circuit "
                               "files were modified)")
