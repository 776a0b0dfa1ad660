"""Local verification of a proof bundle against a circuit directory."""

from __future__ import annotations

import json
import math
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import engine
from .manifest import MANIFEST, SETTINGS, SRS, VK, CircuitDir, Manifest, ProofBundle
from .prove import InstanceError, decode_instances, prediction, settings_visibility

VERIFY_FILES = (SETTINGS, VK, SRS, MANIFEST)


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str
    circuit: str
    proof_hash: str
    prediction: Any
    outputs: list[list[float]] | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_bundle(circuit_dir: str | Path | CircuitDir, bundle: ProofBundle) -> Verdict:
    """Check that ``bundle`` is a valid proof for this circuit and that its claims match it."""
    t0 = time.perf_counter()
    cd = circuit_dir if isinstance(circuit_dir, CircuitDir) else CircuitDir(circuit_dir)
    cd.require(*VERIFY_FILES)
    manifest = cd.load_manifest()
    expected = cd.check_integrity()

    def verdict(valid: bool, reason: str) -> Verdict:
        return Verdict(valid, reason, manifest.name, bundle.proof_hash(), bundle.prediction,
                       bundle.outputs, round(time.perf_counter() - t0, 4))

    for field in ("vk_sha256", "settings_sha256", "model_sha256"):
        got = getattr(bundle.circuit, field)
        if got != expected[field]:
            return verdict(False, f"the bundle belongs to another circuit ({field} {got[:12]}… "
                                  f"!= {expected[field][:12]}…)")
    problem = claim_problem(manifest, cd.settings_json(), bundle)
    if problem:
        return verdict(False, problem)
    with tempfile.TemporaryDirectory(prefix="zkverify-verify-") as tmp:
        proof_path = Path(tmp) / "proof.json"
        proof_path.write_text(json.dumps(bundle.proof))
        ok, reason = engine.verify(proof_path, cd.settings, cd.vk, cd.srs)
    return verdict(ok, "" if ok else f"the proof does not verify: {reason}")


def claim_problem(manifest: Manifest, settings: dict[str, Any], bundle: ProofBundle) -> str | None:
    """Why the bundle's readable claims are not what its proof's instances say (None: they are).

    The proof is only evidence for what its public instances commit to; the decoded inputs,
    outputs, prediction and visibility a bundle shows must follow from them exactly.
    """
    try:
        inputs, outputs = decode_instances(manifest, settings, bundle.proof)
    except InstanceError as e:
        return str(e)
    if bundle.visibility != settings_visibility(settings):
        return "the bundle's visibility is not the circuit's"
    if not _close(bundle.outputs, outputs):
        return "the bundle's outputs do not match the public outputs in the proof"
    if not _close(bundle.inputs, inputs):
        return "the bundle's inputs do not match the public inputs in the proof"
    if not _same_prediction(bundle.prediction, prediction(manifest, outputs)):
        return "the bundle's prediction does not follow from the proven outputs"
    return None


def _same_prediction(claimed: Any, proven: Any) -> bool:
    if proven is None or isinstance(proven, int):
        # bool is an int in Python: `false` must not pass for class 0
        return type(claimed) is type(proven) and claimed == proven
    return isinstance(claimed, list) and _close([claimed], [proven])


def _close(a: list[list[float]] | None, b: list[list[float]] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    fa = [v for row in a for v in row]
    fb = [v for row in b for v in row]
    if [len(r) for r in a] != [len(r) for r in b]:
        return False
    return len(fa) == len(fb) and all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
                                      for x, y in zip(fa, fb, strict=True))
