"""The verdict on a sliced bundle (docs/VERDICT.md, rules S1-S8), reached through
:func:`zkverify.verdict.decide`, which dispatches here on ``kind: "sliced"`` or a sliced circuit.

Each slice's proof is checked exactly as a single bundle's proof is (proof object, instance
layout, params hashes, the proof itself); on top of that, slice i's output hashes must equal
slice i+1's input hashes (the link: the slices were computed one from the other) or, under
``link: polycommit``, the KZG commitment points at slice i's output range of its proof bytes
must equal those at slice i+1's input range, both ranges read from the sliced card (pinned by
the circuit id), never from the bundle (ezkl's ``split`` field, if present, must agree), the model's
inputs are claimed against the first slice's instances and its outputs against the last
slice's. Every failure names the slice or link that gave it away (``slices[1].proof``,
``links[0]``).
"""

from __future__ import annotations

import time
from typing import Any

from ..card import Card, Provenance
from ..claims import Invalid, check_entries, is_hex
from ..verdict import (
    BUNDLE_FORMAT,
    CircuitPublic,
    ProofCheck,
    Verdict,
    _check_proof_object,
    checked_proof,
    decode,
    proven_predictions,
    sliced_proof_hash,
    summary_prediction,
)
from .card import LINK_POLYCOMMIT, POINT_BYTES, SlicedCard, SlicedPublic, commitments_at

SLICED_KEYS = {"format", "kind", "zkverify_version", "ezkl_version", "circuit", "inputs",
               "outputs", "visibility", "created_at", "links", "slices"}
SLICED_CIRCUIT_KEYS = {"name", "id", "model_sha256"}

__all__ = ["decide_sliced"]


def decide_sliced(public: CircuitPublic | SlicedPublic, raw: dict[str, Any], check: ProofCheck, *,
                  checked_by: str, require_ceremony_srs: bool = False,
                  circuit_id: str | None = None) -> Verdict:
    """The verdict on a sliced bundle (or on any bundle for a sliced circuit)."""
    t0 = time.perf_counter()
    base = _base(public, raw, checked_by)
    warnings = [] if base["weights_bound"] else [
        "the weights of some slice are not bound by this circuit: the proof holds for any "
        "weights of that slice's architecture"]
    proof_hash = None
    try:
        if not isinstance(public, SlicedPublic):
            raise Invalid("kind", f"a sliced bundle, but circuit {public.card.name!r} is not "
                                  "sliced (verify it against the sliced circuit it names)")
        if raw.get("kind") != "sliced":
            raise Invalid("kind", f"circuit {public.card.name!r} is sliced into "
                                  f"{len(public.slices)} slices: a bundle of kind "
                                  f"{raw.get('kind')!r} cannot prove it")
        card = public.card
        if circuit_id is not None and circuit_id != card.circuit_id:
            raise Invalid("circuit", f"the circuit files are circuit {card.circuit_id[:16]}…, not "
                                     f"the pinned --circuit-id {circuit_id[:16]}…")
        _check_shape(raw)
        _check_circuit(raw["circuit"], public)
        if raw.get("visibility", {}) != card.visibility:
            raise Invalid("visibility", "the bundle's visibility is not the circuit's "
                                        f"({raw.get('visibility')} != {card.visibility})")
        proofs, proven = _check_slices(raw["slices"], public)
        proof_hash = sliced_proof_hash(proofs)
        _check_links(raw["links"], public, proven, proofs)
        first, last = public.slices[0].card, public.slices[-1].card
        check_entries(raw["inputs"], "inputs", first.input_tensors(), proven[0], None, False)
        check_entries(raw["outputs"], "outputs", last.output_tensors(), proven[-1],
                      last.output_rules(), False)
        _check_proofs(proofs, public, check)
    except Invalid as e:
        return Verdict(False, e.reason, e.field, proof_hash=proof_hash, inputs=None, outputs=None,
                       prediction=None, input_hashes=None, output_hashes=None, warnings=warnings,
                       seconds=round(time.perf_counter() - t0, 4), **base)
    policy = None
    if require_ceremony_srs and base["srs"] != "ceremony":
        policy = (f"--require-ceremony-srs: the SRS of some slice is {base['srs']}, not the KZG "
                  "ceremony's")
    predictions = proven_predictions(last, proven[-1])
    return Verdict(True, "", None, proof_hash=proof_hash, inputs=proven[0]["inputs"],
                   outputs=proven[-1]["outputs"], prediction=summary_prediction(predictions),
                   by_output=predictions, input_hashes=proven[0]["input_hashes"],
                   output_hashes=proven[-1]["output_hashes"], policy=policy, warnings=warnings,
                   seconds=round(time.perf_counter() - t0, 4), **base)


def _base(public: CircuitPublic | SlicedPublic, raw: dict[str, Any],
          checked_by: str) -> dict[str, Any]:
    card: Card | SlicedCard = public.card
    if isinstance(public, SlicedPublic):
        srs: Provenance = public.srs_provenance()
        srs_sha = ",".join(p.card.srs_sha256 for p in public.slices)
        bound = public.weights_bound
    else:
        srs, srs_sha = public.card.srs_provenance(), public.card.srs_sha256
        bound = public.card.weights_bound
    circuit_id = card.circuit_id
    return {"circuit": card.name, "circuit_id": circuit_id, "srs": srs, "srs_sha256": srs_sha,
            "weights_bound": bound, "checked_by": checked_by,
            "format": raw.get("format", BUNDLE_FORMAT),
            "input_names": [t.name for t in card.input_tensors()],
            "output_names": [t.name for t in card.output_tensors()]}


def _check_shape(raw: dict[str, Any]) -> None:
    for key in raw:
        if key not in SLICED_KEYS:
            raise Invalid(key, f"unknown field {key!r} in the bundle")
    for key in ("ezkl_version", "circuit", "inputs", "outputs", "links", "slices"):
        if key not in raw:
            raise Invalid(key, f"the bundle has no {key}")
    for key in ("zkverify_version", "ezkl_version", "created_at"):
        if key in raw and not isinstance(raw[key], str):
            raise Invalid(key, f"{key}: expected a string")
    c = raw["circuit"]
    if not isinstance(c, dict):
        raise Invalid("circuit", "circuit: expected an object")
    for key in c:
        if key not in SLICED_CIRCUIT_KEYS:
            raise Invalid(f"circuit.{key}", f"unknown field circuit.{key!r}")
    if not isinstance(c.get("name", ""), str):
        raise Invalid("circuit.name", "circuit.name: expected a string")
    for key in ("id", "model_sha256"):
        if not is_hex(c.get(key), 64):
            raise Invalid(f"circuit.{key}", f"circuit.{key}: expected 64 lowercase hex digits")
    vis = raw.get("visibility", {})
    if not isinstance(vis, dict) or not all(isinstance(v, str) for v in vis.values()):
        raise Invalid("visibility", "visibility: expected an object of strings")
    for key in ("links", "slices"):
        if not isinstance(raw[key], list):
            raise Invalid(key, f"{key}: expected a list")


def _check_circuit(c: dict[str, Any], public: SlicedPublic) -> None:
    card = public.card
    if c["model_sha256"] != card.model_sha256:
        raise Invalid("circuit.model_sha256", f"the bundle belongs to another circuit (its "
                                              f"model_sha256 {c['model_sha256'][:12]}… is not "
                                              f"{card.model_sha256[:12]}…)")
    if c["id"] != card.circuit_id:
        raise Invalid("circuit.id", f"the bundle belongs to another circuit (its id "
                                    f"{c['id'][:12]}… is not {card.circuit_id[:12]}…)")


def _check_slices(entries: list[Any], public: SlicedPublic
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """S3-S4: one entry per slice, in order, each the named slice's proof with its instances
    decoded by that slice's layout and its params hashes the slice card's."""
    refs = public.card.slices
    ids = [r.id for r in refs]
    proofs, proven = [], []
    for i, ref in enumerate(refs):
        at = f"slices[{i}]"
        if i >= len(entries):
            raise Invalid(at, f"{at}: missing (the bundle has {len(entries)} slice proofs, the "
                              f"circuit {len(refs)} slices)")
        e = entries[i]
        if not isinstance(e, dict) or set(e) != {"circuit_id", "proof"}:
            raise Invalid(at, f"{at}: expected {{\"circuit_id\", \"proof\"}}")
        if e["circuit_id"] != ref.id:
            which = (f"slice {ids.index(e['circuit_id'])}'s proof" if e["circuit_id"] in ids
                     else "a proof for another circuit")
            raise Invalid(f"{at}.circuit_id", f"{at}: is {which}, expected slice {i}'s (slices "
                                              "swapped, missing or foreign)")
        if not isinstance(e["proof"], dict):
            raise Invalid(f"{at}.proof", f"{at}.proof: expected ezkl's proof object")
        obj = e["proof"]
        if public.card.link == LINK_POLYCOMMIT:
            obj = _check_split(obj, ref.output_commitments, at)
        try:
            flat = _check_proof_object(obj)
            p = decode(public.slices[i].card, public.slices[i].settings, flat)
        except Invalid as err:
            raise Invalid(f"{at}.{err.field}", f"{at}: {err.reason}") from None
        if p["param_hashes"] != public.slices[i].card.param_hashes:
            raise Invalid(f"{at}.proof.instances", f"{at}: the weights are not the slice's (the "
                                                   "params-hash instance differs from the card's)")
        proofs.append(e["proof"])
        proven.append(p)
    if len(entries) > len(refs):
        raise Invalid(f"slices[{len(refs)}]", f"slices[{len(refs)}]: the circuit has only "
                                              f"{len(refs)} slices")
    return proofs, proven


def _check_split(proof: dict[str, Any], out_range: list[int] | None, at: str) -> dict[str, Any]:
    """ezkl writes ``split`` (where its output commitments sit, in points) into a polycommit
    proof. It is never read: it must be null or exactly what the card says, and the proof
    object is then checked without it."""
    split = proof.get("split")
    want = None if out_range is None else {"start": out_range[0] // POINT_BYTES,
                                           "end": out_range[1] // POINT_BYTES}
    if split is not None and split != want:
        raise Invalid(f"{at}.proof.split", f"{at}.proof.split: {split} is not where this slice's "
                                           f"output commitments are ({want})")
    return {**proof, "split": None}


def _check_links(links: list[Any], public: SlicedPublic, proven: list[dict[str, Any]],
                 proofs: list[dict[str, Any]] | None = None) -> None:
    """S5-S6: slice i's output hashes are slice i+1's input hashes (in the field, exactly), and
    the bundle's links state exactly those tensors and hashes."""
    if public.card.link == LINK_POLYCOMMIT:
        _check_commitment_links(links, public, proofs or [])
        return
    n = len(public.slices)
    for i in range(n - 1):
        out_h, in_h = proven[i]["output_hashes"], proven[i + 1]["input_hashes"]
        if out_h is None or in_h is None or out_h != in_h:
            raise Invalid(f"links[{i}]", f"links[{i}]: slice {i + 1}'s input hash is not slice "
                                         f"{i}'s output hash (the slice proofs were not computed "
                                         "one from the other)")
    _check_link_claims(links, public, "hashes", [proven[i]["output_hashes"] for i in range(n - 1)])


def _check_commitment_links(links: list[Any], public: SlicedPublic,
                            proofs: list[dict[str, Any]]) -> None:
    """S5-S6 under polycommit: at the byte ranges the card gives (never the bundle), slice i's
    output commitments are slice i+1's input commitments, and the links state exactly those."""
    refs = public.card.slices
    n = len(refs)
    points = []
    for i in range(n - 1):
        out_c = commitments_at(proofs[i]["proof"], refs[i].output_commitments)
        in_c = commitments_at(proofs[i + 1]["proof"], refs[i + 1].input_commitments)
        if out_c is None or in_c is None or out_c != in_c:
            raise Invalid(f"links[{i}]", f"links[{i}]: slice {i + 1}'s input commitment is not "
                                         f"slice {i}'s output commitment (the slice proofs were "
                                         "not computed one from the other)")
        points.append(out_c)
    _check_link_claims(links, public, "commitments", points)


def _check_link_claims(links: list[Any], public: SlicedPublic, field: str,
                       proven: list[Any]) -> None:
    """S6: the bundle states one link per cut, exactly its tensors and, under ``field``
    (hashes or commitments), exactly what the slice proofs hold there."""
    n = len(public.slices)
    if len(links) != n - 1:
        raise Invalid("links", f"links: expected {n - 1} links, one per cut (got {len(links)})")
    for i, (link, tensors) in enumerate(zip(links, public.card.cuts, strict=True)):
        at = f"links[{i}]"
        if not isinstance(link, dict) or set(link) != {"tensors", field}:
            raise Invalid(at, f"{at}: expected {{\"tensors\", \"{field}\"}}")
        if link["tensors"] != tensors:
            raise Invalid(f"{at}.tensors", f"{at}.tensors: expected {tensors}")
        if link[field] != proven[i]:
            raise Invalid(f"{at}.{field}", f"{at}.{field}: not the {field} in slice {i}'s and "
                                           f"slice {i + 1}'s proofs")


def _check_proofs(proofs: list[dict[str, Any]], public: SlicedPublic, check: ProofCheck) -> None:
    """S7: every slice's proof verifies under that slice's vk. A check that verifies all slices
    in one call (the aggregating contract) says so with an ``all_slices`` method; on a failure
    each slice is then checked alone to name the one that failed."""
    items = [(checked_proof(p), pub) for p, pub in zip(proofs, public.slices, strict=True)]
    all_slices = getattr(check, "all_slices", None)
    if all_slices is not None:
        ok, why = all_slices(items)
        if ok:
            return
    for i, (proof, pub) in enumerate(items):
        ok, why = check(proof, pub)
        if not ok:
            raise Invalid(f"slices[{i}].proof", f"slices[{i}]: the proof does not verify: {why}")
    if all_slices is not None:
        raise Invalid("slices", f"the slices verify one by one but not together: {why}")
