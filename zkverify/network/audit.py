"""``zkverify audit``: every inference recorded in the registry, re-verified here.

For each InferenceRecorded event the proof bytes and instances are read back from the input of
the transaction that recorded it (the event carries only the instances), checked against the
event (same circuit, same instances, the same canonical proof hash), and then judged by
:func:`zkverify.verdict.decide` with ezkl in process, against the circuit's public files
(``--circuit-dir``, or fetched from its registered nodes and checked against the circuit id and
the vk hash on chain). The chain's verifier said yes once; the audit says whether the published
files still agree.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..__about__ import __version__
from ..errors import ZkVerifyError
from ..verdict import BUNDLE_FORMAT, CircuitPublic, decide, decode, tensor_claims
from .registry import Record, Registry


@dataclass
class Audited:
    circuit_id: str
    proof_hash: str
    submitter: str
    block: int
    tx_hash: str
    checked: bool  # False: nothing could be re-verified (no public files, unreadable input)
    valid: bool
    reason: str
    prediction: Any = None
    outputs: list[list[float]] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def chain_hash(proof: bytes, instances: list[int]) -> str:
    """sha256(proof || instances as 32-byte words): what Registry.sol computes in submit."""
    h = hashlib.sha256(proof)
    for v in instances:
        h.update(v.to_bytes(32, "big"))
    return h.hexdigest()


def bundle_from_chain(public: CircuitPublic, proof: bytes, instances: list[int]) -> dict[str, Any]:
    """A proof bundle holding exactly what the chain holds, its claims decoded from the instances.

    The claims follow from the instances, so decide() judges the proof itself, the instance
    count and the weights' hash: what a recorded inference can get wrong. A batched circuit's
    rows all count as real (the chain does not say how many were padding).
    """
    card = public.card
    felts = [v.to_bytes(32, "little").hex() for v in instances]
    try:
        inputs, outputs = tensor_claims(card, decode(card, public.settings, felts))
    except Exception:  # noqa: BLE001 - a wrong instance count: decide() names it
        inputs = outputs = []
    b = card.batch_size
    return {"format": BUNDLE_FORMAT, "kind": "batched" if b else "single",
            "batch": {"size": b, "real": b} if b else None,
            "zkverify_version": __version__, "ezkl_version": str(public.settings.get("version", "")),
            "circuit": {"id": card.circuit_id, **card.circuit_ref()}, "inputs": inputs,
            "outputs": outputs, "visibility": public.visibility,
            "proof": {"protocol": None, "instances": [felts], "proof": list(proof),
                      "hex_proof": "0x" + proof.hex(), "split": None,
                      "pretty_public_inputs": None, "timestamp": None, "version": None}}


def audit(registry: Registry, circuit_id: str | None = None,
          circuit_dirs: list[Path] | None = None, cache: Path | None = None) -> list[Audited]:
    from ..verifying import ezkl_check, load_public
    from .failover import public_files

    local: dict[str, CircuitPublic] = {}
    for d in circuit_dirs or []:
        pub = load_public(d)
        local[pub.card.circuit_id] = pub
    publics: dict[str, CircuitPublic | str] = dict(local)
    out = []
    for rec in registry.records(circuit_id):
        base: dict[str, Any] = {"circuit_id": rec.circuit_id, "proof_hash": rec.proof_hash,
                "submitter": rec.submitter, "block": rec.block, "tx_hash": rec.tx_hash}
        try:
            proof, instances = _read_back(registry, rec)
        except (ZkVerifyError, ValueError) as e:
            out.append(Audited(**base, checked=False, valid=False, reason=str(e)))
            continue
        if rec.circuit_id not in publics:
            try:
                entry = registry.require_circuit(rec.circuit_id)
                urls = [n.url for n in registry.nodes(rec.circuit_id)]
                publics[rec.circuit_id] = load_public(public_files(entry, urls, cache))
            except ZkVerifyError as e:
                publics[rec.circuit_id] = f"no public files to re-verify with: {e}"
        public = publics[rec.circuit_id]
        if isinstance(public, str):
            out.append(Audited(**base, checked=False, valid=False, reason=public))
            continue
        verdict = decide(public, bundle_from_chain(public, proof, instances), ezkl_check,
                         checked_by="audit", circuit_id=rec.circuit_id)
        reason = verdict.reason
        valid = verdict.valid
        if verdict.proof_hash != rec.proof_hash:  # cannot happen after _read_back; say so if it does
            valid, reason = False, "the recorded proof hash is not the bundle's canonical hash"
        out.append(Audited(**base, checked=True, valid=valid, reason=reason,
                           prediction=verdict.prediction, outputs=verdict.outputs))
    return out


def _read_back(registry: Registry, rec: Record) -> tuple[bytes, list[int]]:
    cid, proof, instances = registry.submitted_call(rec.tx_hash)
    if cid != rec.circuit_id or instances != rec.instances:
        raise ValueError(f"transaction {rec.tx_hash}: its input is not the recorded inference")
    if chain_hash(proof, instances) != rec.proof_hash:
        raise ValueError(f"transaction {rec.tx_hash}: the recorded proof hash is not the hash of "
                         "its proof and instances")
    return proof, instances
