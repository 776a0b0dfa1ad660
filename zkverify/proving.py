"""The `prove` stage: one input -> witness -> ezkl proof -> proof bundle."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import engine
from .errors import CircuitError, EngineError, InputError
from .inputs import coerce_input, ezkl_input, load_input_file
from .manifest import (
    COMPILED,
    MANIFEST,
    PK,
    SETTINGS,
    SRS,
    VK,
    CircuitDir,
    Manifest,
    ProofBundle,
)
from .verdict import claims_hold, decode, prediction, settings_visibility

PROVE_FILES = (COMPILED, PK, SETTINGS, VK, SRS, MANIFEST)


class Prover:
    """A circuit loaded once, proving many inputs (the batch runner and service keep one)."""

    def __init__(self, circuit_dir: str | Path | CircuitDir) -> None:
        self.cd = circuit_dir if isinstance(circuit_dir, CircuitDir) else CircuitDir(circuit_dir)
        self.cd.require(*PROVE_FILES)
        self.manifest: Manifest = self.cd.load_manifest()
        self.settings = self.cd.settings_json()
        self.card = self.cd.load_card()
        self.hashes = self.card.circuit_ref()
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
        proven = decode(self.card, self.settings, [f for col in proof["instances"] for f in col])
        for key in ("inputs", "outputs"):
            if not claims_hold(proven[key], proven, key):
                raise EngineError(f"the proven {key} exceed what a JSON number holds exactly "
                                  "(a fixed-point value above 2**53): the bundle could not state them")
        return ProofBundle(
            ezkl_version=engine.ezkl_version(),
            circuit=self.hashes,  # type: ignore[arg-type]
            inputs=proven["inputs"], outputs=proven["outputs"],
            prediction=prediction(self.card, proven["outputs"]),
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
