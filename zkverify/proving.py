"""The `prove` stage: one input -> witness -> ezkl proof -> proof bundle."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from . import engine
from .errors import EngineError, InputError
from .inputs import Feed, coerce_feed, ezkl_input, load_input_file
from .manifest import (
    COMPILED,
    MANIFEST,
    PK,
    SETTINGS,
    SRS,
    VK,
    CircuitDir,
    CircuitRefV2,
    Manifest,
    OutputClaim,
    ProofBundle,
    TensorClaim,
)
from .verdict import decode, settings_visibility, tensor_claims

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
        self.inputs = self.card.input_tensors()
        self.outputs = self.card.output_tensors()
        self.last_prove_seconds = 0.0

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The first input's shape (a one-input model's; kept for callers of the first API)."""
        return self.inputs[0].shape if self.inputs else ()

    def coerce(self, data: Any, where: str = "input") -> Feed:
        return coerce_feed(data, self.inputs, where, n_outputs=len(self.outputs))

    def prove_values(self, feed: Feed) -> ProofBundle:
        with tempfile.TemporaryDirectory(prefix="zkverify-prove-") as tmp:
            t = Path(tmp)
            (t / "input.json").write_text(json.dumps(ezkl_input(feed)))
            engine.gen_witness(t / "input.json", self.cd.compiled, t / "witness.json")
            t0 = time.perf_counter()
            engine.prove(t / "witness.json", self.cd.compiled, self.cd.pk, t / "proof.json",
                         self.cd.srs)
            self.last_prove_seconds = time.perf_counter() - t0
            proof = json.loads((t / "proof.json").read_text())
        proven = decode(self.card, self.settings, [f for col in proof["instances"] for f in col])
        for key in ("inputs", "outputs"):
            if any(abs(v) > 2 ** 53 for row in proven[f"{key}_felts"] or [] for v in row):
                raise EngineError(f"the proven {key} exceed what a JSON number holds exactly "
                                  "(a fixed-point value above 2**53): the bundle could not state them")
        inputs, outputs = tensor_claims(self.card, proven)
        return ProofBundle(
            ezkl_version=engine.ezkl_version(),
            circuit=CircuitRefV2(id=self.card.circuit_id, **self.hashes),
            inputs=[TensorClaim(**c) for c in inputs],
            outputs=[OutputClaim(**c) for c in outputs],
            visibility=settings_visibility(self.settings),
            proof=proof,
        )

    def prove_file(self, input_path: str | Path, out: str | Path | None = None) -> ProofBundle:
        feed = self.coerce(load_input_file(input_path), str(input_path))
        try:
            bundle = self.prove_values(feed)
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
