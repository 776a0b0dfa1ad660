"""The verdict rules of an evaluation bundle (``kind: "evaluation"``, zkverify.evaluation).

Called by :func:`zkverify.verdict.decide` after the checks every bundle gets. Each chunk's proof
is checked like a single bundle's (ezkl's proof object, the instance layout, the proof check);
its public outputs are the chunk's correct answers and sample count, its three input hashes the
commitment to its samples, labels and mask. Then: no chunk repeated, the claimed figures equal
the proven sums, and the data set's hash is the claimed one (and the pinned one when asked).
"""

from __future__ import annotations

import hashlib
from typing import Any

from .claims import Invalid, is_hex
from .evaluation import dataset_sha256

EVAL_KEYS = {"format", "kind", "zkverify_version", "ezkl_version", "circuit", "visibility",
             "created_at", "evaluation", "chunks"}
FIGURE_KEYS = {"chunk_size", "chunks", "correct", "total", "accuracy", "dataset_sha256"}


def check_evaluation(public: Any, raw: dict[str, Any], check: Any,
                     pinned_dataset: str | None = None) -> dict[str, Any]:
    """The proven figures {correct, total, accuracy, dataset_sha256, chunks, proof_hash}."""
    from .verdict import _check_proof_object, canonical_proof_hash, checked_proof, decode

    card = public.card
    ev = card.evaluation
    if not ev:
        raise Invalid("kind", "kind: 'evaluation' bundle for a circuit that is not an "
                              "evaluation circuit")
    for key in raw:
        if key not in EVAL_KEYS:
            raise Invalid(key, f"unknown field {key!r} in the bundle")
    claimed = raw.get("evaluation")
    if not isinstance(claimed, dict) or set(claimed) != FIGURE_KEYS:
        raise Invalid("evaluation", f"evaluation: expected {sorted(FIGURE_KEYS)}")
    chunks = raw.get("chunks")
    if not isinstance(chunks, list) or not chunks:
        raise Invalid("chunks", "chunks: expected a list of chunk proofs")
    c = int(ev["chunk_size"])
    correct = total = 0
    hashes: list[list[str]] = []
    proof_hashes = []
    seen: dict[tuple[str, ...], int] = {}
    for i, entry in enumerate(chunks):
        at = f"chunks[{i}]"
        if not isinstance(entry, dict) or set(entry) != {"proof"} or not isinstance(
                entry["proof"], dict):
            raise Invalid(at, f"{at}: expected {{\"proof\": ezkl's proof object}}")
        try:
            flat = _check_proof_object(entry["proof"])
            proven = decode(card, public.settings, flat)
        except Invalid as e:
            raise Invalid(f"{at}.{e.field}", f"{at}: {e.reason}") from None
        if proven["param_hashes"] != card.param_hashes:
            raise Invalid(f"{at}.proof.instances", f"{at}: the weights are not the circuit's")
        trio = tuple(proven["input_hashes"] or [])
        if trio in seen:
            raise Invalid(at, f"{at}: the same samples, labels and mask as chunk {seen[trio]} "
                              "(a chunk repeated)")
        seen[trio] = i
        ok, why = check(checked_proof(entry["proof"]), public)
        if not ok:
            raise Invalid(f"{at}.proof", f"{at}: the proof does not verify: {why}")
        n_correct, n = int(proven["outputs"][0][0]), int(proven["outputs"][1][0])
        if not 0 <= n_correct <= n <= c:
            raise Invalid(f"{at}.proof.instances", f"{at}: {n_correct} correct of {n} samples "
                                                   f"is not a count of a chunk of {c}")
        correct, total = correct + n_correct, total + n
        hashes.append(list(trio))
        proof_hashes.append(canonical_proof_hash(entry["proof"]))
    data_hash = dataset_sha256(c, hashes)
    figures: dict[str, Any] = {"chunk_size": c, "chunks": len(chunks), "correct": correct, "total": total,
               "accuracy": correct / total if total else 0.0, "dataset_sha256": data_hash}
    for key, value in figures.items():
        got = claimed.get(key)
        same = (got == value and type(got) in (int, float) and type(got) is not bool
                if key != "dataset_sha256" else got == value)
        if key == "accuracy":
            same = isinstance(got, int | float) and not isinstance(got, bool) and abs(
                got - value) <= 1e-12
        if not same:
            raise Invalid(f"evaluation.{key}", f"evaluation.{key}: {got!r} does not follow from "
                                               f"the chunk proofs ({value!r})")
    if pinned_dataset is not None and (not is_hex(pinned_dataset, 64)
                                       or pinned_dataset != data_hash):
        raise Invalid("evaluation.dataset_sha256", f"the chunks are not the pinned data set "
                                                   f"(dataset sha256 {data_hash[:16]}…, pinned "
                                                   f"{str(pinned_dataset)[:16]}…)")
    h = hashlib.sha256()
    for ph in proof_hashes:
        h.update(bytes.fromhex(ph))
    return {**figures, "proof_hash": h.hexdigest()}
