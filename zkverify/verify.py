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
from .errors import CircuitError
from .files import sha256_file
from .manifest import MANIFEST, SETTINGS, SRS, VK, CircuitDir, ProofBundle
from .prove import decode_instances, prediction

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
    expected = cd.hashes()
    for name, fname in (("settings_sha256", SETTINGS), ("vk_sha256", VK)):
        if sha256_file(cd.file(fname)) != expected[name]:
            raise CircuitError(f"{cd.file(fname)}: does not match the hash in manifest.json "
                               f"(the circuit directory was modified)")

    def verdict(valid: bool, reason: str) -> Verdict:
        return Verdict(valid, reason, manifest.name, bundle.proof_hash(), bundle.prediction,
                       bundle.outputs, round(time.perf_counter() - t0, 4))

    for field in ("vk_sha256", "settings_sha256", "model_sha256"):
        got = getattr(bundle.circuit, field)
        if got != expected[field]:
            return verdict(False, f"the bundle belongs to another circuit ({field} {got[:12]}… "
                                  f"!= {expected[field][:12]}…)")
    inputs, outputs = decode_instances(manifest, cd.settings_json(), bundle.proof)
    if not _close(bundle.outputs, outputs):
        return verdict(False, "the bundle's outputs do not match the public outputs in the proof")
    if not _close(bundle.inputs, inputs):
        return verdict(False, "the bundle's inputs do not match the public inputs in the proof")
    if bundle.prediction != prediction(manifest, outputs):
        return verdict(False, "the bundle's prediction does not follow from the proven outputs")
    with tempfile.TemporaryDirectory(prefix="zkverify-verify-") as tmp:
        proof_path = Path(tmp) / "proof.json"
        proof_path.write_text(json.dumps(bundle.proof))
        ok, reason = engine.verify(proof_path, cd.settings, cd.vk, cd.srs)
    return verdict(ok, "" if ok else f"the proof does not verify: {reason}")


def _close(a: list[list[float]] | None, b: list[list[float]] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    fa = [v for row in a for v in row]
    fb = [v for row in b for v in row]
    return len(fa) == len(fb) and all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
                                      for x, y in zip(fa, fb, strict=True))
