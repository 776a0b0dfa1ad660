"""The `prove` stage: one input -> witness -> ezkl proof -> proof bundle."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from . import engine
from .batching import pack, sample_tensors
from .errors import EngineError, InputError
from .inputs import Feed, coerce_feed, ezkl_input, load_input_file
from .manifest import (
    COMPILED,
    MANIFEST,
    PK,
    SETTINGS,
    SRS,
    VK,
    BatchInfo,
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

    @property
    def batch_size(self) -> int | None:
        return self.card.batch_size

    def sample_inputs(self) -> list[Any]:
        """One input's tensors (a batched circuit's rows; the circuit's own inputs otherwise)."""
        if not self.batch_size:
            return self.inputs
        return sample_tensors(self.inputs, self.batch_size)

    def read_inputs(self, path: str | Path) -> list[Feed]:
        """Every input a file holds (any form `prove` takes), as single inputs."""
        from .sources import read_batch

        return read_batch(Path(path), self.sample_inputs())

    def request_feeds(self, data: Any, where: str = "input") -> list[Feed]:
        """An HTTP/agent request's inputs: one input in any JSON form, or on a batched circuit
        ``{"batch": [input, ...]}`` with 1 to B of them."""
        if not self.batch_size:
            return [self.coerce(data, where)]
        items = data["batch"] if isinstance(data, dict) and set(data) == {"batch"} else [data]
        if not isinstance(items, list) or not 1 <= len(items) <= self.batch_size:
            raise InputError(f"{where}: batch: expected 1 to {self.batch_size} inputs")
        return [coerce_feed(x, self.sample_inputs(), f"{where}: batch[{i}]",
                            n_outputs=len(self.outputs)) for i, x in enumerate(items)]

    def prove_request(self, data: Any, where: str = "input") -> ProofBundle:
        feeds = self.request_feeds(data, where)
        return self.prove_inputs(feeds) if self.batch_size else self.prove_values(feeds[0])

    def prove_inputs(self, feeds: list[Feed]) -> ProofBundle:
        """A batched circuit: 1 to B inputs in one proof, padded (zkverify.batching)."""
        assert self.batch_size
        return self.prove_values(pack(feeds, self.inputs, self.batch_size), real=len(feeds))

    def prove_values(self, feed: Feed, real: int | None = None) -> ProofBundle:
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
        batch = None
        if self.batch_size:
            batch = BatchInfo(size=self.batch_size, real=real or self.batch_size)
        return ProofBundle(
            kind="batched" if batch else "single", batch=batch,
            ezkl_version=engine.ezkl_version(),
            circuit=CircuitRefV2(id=self.card.circuit_id, **self.hashes),
            inputs=[TensorClaim(**c) for c in inputs],
            outputs=[OutputClaim(**c) for c in outputs],
            visibility=settings_visibility(self.settings),
            proof=proof,
        )

    def prove_file(self, input_path: str | Path, out: str | Path | None = None) -> ProofBundle:
        try:
            if self.batch_size:
                feeds = self.read_inputs(input_path)
                if len(feeds) > self.batch_size:
                    raise InputError(f"{input_path}: {len(feeds)} inputs for a circuit of batch "
                                     f"size {self.batch_size} (pass -o DIR/ to prove them "
                                     f"{self.batch_size} per proof)")
                bundle = self.prove_inputs(feeds)
            else:
                bundle = self.prove_values(self.coerce(load_input_file(input_path),
                                                       str(input_path)))
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
