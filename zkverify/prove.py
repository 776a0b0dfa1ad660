"""The `prove` stage: one input -> witness -> ezkl proof -> proof bundle."""

from __future__ import annotations

import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import engine
from .errors import CircuitError, EngineError, InputError
from .inputs import coerce_input, ezkl_input, load_input_file
from .manifest import COMPILED, MANIFEST, PK, SETTINGS, SRS, VK, CircuitDir, Manifest, ProofBundle

PROVE_FILES = (COMPILED, PK, SETTINGS, VK, SRS, MANIFEST)


class Prover:
    """A circuit loaded once, proving many inputs (the batch runner and service keep one)."""

    def __init__(self, circuit_dir: str | Path | CircuitDir) -> None:
        self.cd = circuit_dir if isinstance(circuit_dir, CircuitDir) else CircuitDir(circuit_dir)
        self.cd.require(*PROVE_FILES)
        self.manifest: Manifest = self.cd.load_manifest()
        self.settings = self.cd.settings_json()
        self.hashes = self.cd.hashes()
        if not self.manifest.input_shapes:
            raise CircuitError(f"{self.cd.manifest_path}: no input shape recorded")
        self.input_shape = tuple(self.manifest.input_shapes[0])
        self.last_prove_seconds = 0.0

    def coerce(self, data: Any, where: str = "input") -> np.ndarray:
        return coerce_input(data, self.input_shape, where)

    def prove_values(self, values: np.ndarray) -> ProofBundle:
        with tempfile.TemporaryDirectory(prefix="zkverify-prove-") as tmp:
            t = Path(tmp)
            (t / "input.json").write_text(json.dumps(ezkl_input(values)))
            engine.gen_witness(t / "input.json", self.cd.compiled, t / "witness.json")
            t0 = time.perf_counter()
            engine.prove(t / "witness.json", self.cd.compiled, self.cd.pk, t / "proof.json",
                         self.cd.srs)
            self.last_prove_seconds = time.perf_counter() - t0
            proof = json.loads((t / "proof.json").read_text())
        inputs, outputs = decode_instances(self.manifest, self.settings, proof)
        return ProofBundle(
            ezkl_version=engine.ezkl_version(),
            circuit=self.hashes,  # type: ignore[arg-type]
            inputs=inputs, outputs=outputs,
            prediction=prediction(self.manifest, outputs),
            visibility=settings_visibility(self.settings),
            proof=proof,
        )

    def prove_file(self, input_path: str | Path, out: str | Path | None = None) -> ProofBundle:
        values = coerce_input(load_input_file(input_path), self.input_shape, str(input_path))
        try:
            bundle = self.prove_values(values)
        except EngineError as e:
            if "gen_witness" not in str(e):
                raise
            raise InputError(f"{input_path}: the circuit cannot compute this input (values far "
                             f"outside the calibration data overflow its fixed-point range): "
                             f"{e}") from None
        if out is not None:
            bundle.save(out)
        return bundle


def prove(circuit_dir: str | Path, input_path: str | Path,
          out: str | Path | None = None) -> ProofBundle:
    """Prove one inference of the circuit on the input file; write the bundle to ``out``."""
    return Prover(circuit_dir).prove_file(input_path, out)


# BN254 scalar field modulus: every instance is a field element below it.
FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617


class InstanceError(ValueError):
    """The proof's instances do not have the layout this circuit's settings produce."""


def settings_visibility(settings: dict[str, Any]) -> dict[str, str]:
    """Visibility as ezkl's settings.json records it (the truth the proof was made under)."""
    out = {}
    for k in ("input", "output", "param"):
        v = settings["run_args"][f"{k}_visibility"]
        if isinstance(v, dict):  # e.g. {"Hashed": {...}}
            v = next(iter(v))
        out[k] = str(v).lower()
    return out


def felt_ok(felt: Any) -> bool:
    """64 hex digits, little-endian, below the field modulus (ezkl panics on anything else)."""
    if not isinstance(felt, str) or len(felt) != 64:
        return False
    try:
        return int.from_bytes(bytes.fromhex(felt), "little") < FIELD_MODULUS
    except ValueError:
        return False


def decode_instances(manifest: Manifest, settings: dict[str, Any],
                     proof: dict[str, Any]) -> tuple[list[list[float]] | None,
                                                     list[list[float]] | None]:
    """The public inputs and outputs the proof commits to, as floats (None where not public).

    ezkl's instance layout for one input and one output, measured for every visibility
    combination: [input hash] [params hash] [public inputs] [public outputs] [output hash],
    each section present only under that visibility. Raises InstanceError when the proof's
    instances do not have exactly that layout, or are not field elements.
    """
    try:
        flat = [f for col in proof["instances"] for f in col]
    except (KeyError, TypeError):
        raise InstanceError("the proof has no instances") from None
    if not all(felt_ok(f) for f in flat):
        raise InstanceError("the proof's instances are not field elements")
    vis = settings_visibility(settings)
    n_in = math.prod(manifest.input_shapes[0]) if manifest.input_shapes else 0
    n_out = math.prod(manifest.output_shapes[0]) if manifest.output_shapes else 0
    lead = int(vis["input"] == "hashed") + int(vis["param"] == "hashed")
    pub_in = n_in if vis["input"] == "public" else 0
    pub_out = n_out if vis["output"] == "public" else 0
    known = {"public", "hashed", "private", "fixed"}
    if set(vis.values()) <= known:
        want = lead + pub_in + pub_out + int(vis["output"] == "hashed")
        if len(flat) != want:
            raise InstanceError(f"the proof has {len(flat)} public instances, this circuit "
                                f"has {want}")
    inputs = outputs = None
    if pub_in:
        scale = int(settings["model_input_scales"][0])
        inputs = [[engine.felt_to_float(f, scale) for f in flat[lead:lead + pub_in]]]
    if pub_out:
        scale = int(settings["model_output_scales"][0])
        start = lead + pub_in
        outputs = [[engine.felt_to_float(f, scale) for f in flat[start:start + pub_out]]]
    return inputs, outputs


def prediction(manifest: Manifest, outputs: list[list[float]] | None) -> Any:
    if outputs is None:
        return None
    flat = [v for row in outputs for v in row]
    if manifest.classifier:
        return int(np.argmax(flat))
    return flat

