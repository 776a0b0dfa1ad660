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
from .errors import CircuitError
from .files import write_json_atomic
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
            visibility=dict(self.manifest.visibility),
            proof=proof,
        )

    def prove_file(self, input_path: str | Path, out: str | Path | None = None) -> ProofBundle:
        values = coerce_input(load_input_file(input_path), self.input_shape, str(input_path))
        bundle = self.prove_values(values)
        if out is not None:
            bundle.save(out)
        return bundle


def prove(circuit_dir: str | Path, input_path: str | Path,
          out: str | Path | None = None) -> ProofBundle:
    """Prove one inference of the circuit on the input file; write the bundle to ``out``."""
    return Prover(circuit_dir).prove_file(input_path, out)


def decode_instances(manifest: Manifest, settings: dict[str, Any],
                     proof: dict[str, Any]) -> tuple[list[list[float]] | None,
                                                     list[list[float]] | None]:
    """The public inputs and outputs the proof commits to, as floats.

    ezkl lays public inputs first and public outputs last in the instance column; hashed or
    private values are not decodable (None).
    """
    try:
        flat = [f for col in proof["instances"] for f in col]
    except (KeyError, TypeError):
        return None, None
    vis = manifest.visibility
    inputs = outputs = None
    if vis.get("input") == "public" and manifest.input_shapes:
        n = math.prod(manifest.input_shapes[0])
        scale = int(settings["model_input_scales"][0])
        inputs = [[engine.felt_to_float(f, scale) for f in flat[:n]]] if len(flat) >= n else None
    if vis.get("output") == "public" and manifest.output_shapes:
        n = math.prod(manifest.output_shapes[0])
        scale = int(settings["model_output_scales"][0])
        outputs = [[engine.felt_to_float(f, scale) for f in flat[-n:]]] if len(flat) >= n else None
    return inputs, outputs


def prediction(manifest: Manifest, outputs: list[list[float]] | None) -> Any:
    if outputs is None:
        return None
    flat = [v for row in outputs for v in row]
    if manifest.classifier:
        return int(np.argmax(flat))
    return flat


def write_bundle(bundle: ProofBundle, out: Path) -> None:
    write_json_atomic(out, bundle.model_dump(mode="json"))
