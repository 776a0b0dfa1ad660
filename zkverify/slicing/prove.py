"""``prove`` on a sliced circuit: the witness chain in slice order, then the slice proofs in
parallel (this process, a local process pool, or Ray), then one bundle of kind ``sliced``.

The chain feeds slice i+1 the *field values* of slice i's outputs (ezkl's witness ``outputs``,
given back to ezkl as field-element hex strings), never floats: the link hashes are Poseidon
hashes of those field values, so slice i+1 must hash exactly what slice i hashed.

Under ``link: polycommit`` the witnesses are generated with each slice's vk and SRS (ezkl then
computes the KZG commitments of the crossing tensors), and after the proofs slice i+1's
witness is given slice i's output commitments as its input commitments and
``swap_proof_commitments`` writes them into slice i+1's proof (ezkl's proof-splitting step: the
proof then verifies only if they were already its own).
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .. import engine
from ..errors import EngineError, InputError, UsageError
from ..inputs import coerce_feed, ezkl_input, load_input_file
from ..manifest import (
    CommitmentLinkClaim,
    LinkClaim,
    OutputClaim,
    SlicedBundle,
    SlicedCircuitRef,
    SliceProof,
    TensorClaim,
)
from ..proving import PROVE_FILES, Prover
from ..verdict import decode, settings_visibility, tensor_claims
from .card import LINK_POLYCOMMIT, SlicedCard, commitments_at, slice_dir

__all__ = ["SlicedProver", "prove_sliced"]


@dataclass(frozen=True)
class SliceJob:
    """What proving one slice needs: paths only (a worker process opens the files itself)."""

    index: int
    witness: str
    compiled: str
    pk: str
    srs: str
    proof: str


class SlicedProver:
    """A sliced circuit loaded once: its card and one Prover per slice."""

    def __init__(self, circuit_dir: str | Path) -> None:
        self.root = Path(circuit_dir)
        self.card = SlicedCard.load(self.root / "card.json")
        self.provers = [Prover(slice_dir(self.root, i)) for i in range(len(self.card.slices))]
        for i, (p, ref) in enumerate(zip(self.provers, self.card.slices, strict=True)):
            if p.card.circuit_id != ref.id:
                raise UsageError(f"{p.cd.path}: slice {i} is not the one the sliced card names")
        self.slice_seconds: list[float] = []
        self.witness_seconds = 0.0
        self.prove_wall_seconds = 0.0

    @property
    def inputs(self) -> Any:
        return self.provers[0].inputs

    def prove_file(self, input_path: str | Path, out: str | Path | None = None, *,
                   workers: int = 1, ray_address: str | None = None) -> SlicedBundle:
        # The first slice's inputs; an ezkl input file's output_data counts the model's outputs.
        feed = coerce_feed(load_input_file(input_path), self.provers[0].inputs, str(input_path),
                           n_outputs=len(self.provers[-1].outputs))
        with tempfile.TemporaryDirectory(prefix="zkverify-sliced-") as tmp:
            t = Path(tmp)
            t0 = time.perf_counter()
            try:
                jobs = self._witness_chain(ezkl_input(feed), t)
            except EngineError as e:
                raise InputError(f"{input_path}: the circuit cannot compute this input ({e})") from None
            self.witness_seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            if ray_address:
                self.slice_seconds = prove_on_ray(jobs, ray_address, workers)
            elif workers > 1:
                self.slice_seconds = prove_on_pool(jobs, workers)
            else:
                self.slice_seconds = [prove_job(j) for j in jobs]
            if self.card.link == LINK_POLYCOMMIT:
                _swap_commitments(jobs)
            self.prove_wall_seconds = time.perf_counter() - t0
            proofs = [json.loads(Path(j.proof).read_text()) for j in jobs]
        bundle = self.bundle(proofs)
        if out is not None:
            bundle.save(out)
        return bundle

    def _witness_chain(self, first_input: dict[str, Any], t: Path) -> list[SliceJob]:
        """gen_witness slice by slice, each fed the previous slice's output field values."""
        jobs, data = [], first_input
        commit = self.card.link == LINK_POLYCOMMIT
        for i, p in enumerate(self.provers):
            (t / f"input{i}.json").write_text(json.dumps(data))
            try:
                w = engine.gen_witness(t / f"input{i}.json", p.cd.compiled, t / f"witness{i}.json",
                                       p.cd.vk if commit else None, p.cd.srs if commit else None)
            except EngineError as e:
                raise EngineError(f"slice {i}: {e}") from None
            jobs.append(SliceJob(i, str(t / f"witness{i}.json"), str(p.cd.compiled), str(p.cd.pk),
                                 str(p.cd.srs), str(t / f"proof{i}.json")))
            data = {"input_data": w["outputs"]}  # field elements: exactly what slice i hashed
        return jobs

    def bundle(self, proofs: list[dict[str, Any]]) -> SlicedBundle:
        proven = [decode(p.card, p.settings, [f for col in pr["instances"] for f in col])
                  for p, pr in zip(self.provers, proofs, strict=True)]
        refs = self.card.slices
        links: list[LinkClaim | CommitmentLinkClaim] = []
        for i in range(len(proven) - 1):  # a broken chain is our bug, never a bundle to ship
            if self.card.link == LINK_POLYCOMMIT:
                out_c = commitments_at(proofs[i]["proof"], refs[i].output_commitments)
                in_c = commitments_at(proofs[i + 1]["proof"], refs[i + 1].input_commitments)
                if out_c is None or out_c != in_c:
                    raise EngineError(f"slice {i + 1}'s input commitment is not slice {i}'s "
                                      "output commitment")
                links.append(CommitmentLinkClaim(tensors=list(refs[i].outputs),
                                                 commitments=out_c))
                continue
            if proven[i]["output_hashes"] != proven[i + 1]["input_hashes"]:
                raise EngineError(f"slice {i + 1}'s input hash is not slice {i}'s output hash")
            links.append(LinkClaim(tensors=list(refs[i].outputs),
                                   hashes=list(proven[i]["output_hashes"])))
        for key, pv in (("inputs", proven[0]), ("outputs", proven[-1])):
            if any(abs(v) > 2 ** 53 for row in pv[f"{key}_felts"] or [] for v in row):
                raise EngineError(f"the proven {key} exceed what a JSON number holds exactly "
                                  "(a fixed-point value above 2**53): the bundle could not state them")
        inputs, _ = tensor_claims(self.provers[0].card, proven[0])
        _, outputs = tensor_claims(self.provers[-1].card, proven[-1])
        vis0 = settings_visibility(self.provers[0].settings)
        visn = settings_visibility(self.provers[-1].settings)
        return SlicedBundle(
            ezkl_version=engine.ezkl_version(),
            circuit=SlicedCircuitRef(name=self.card.name, id=self.card.circuit_id,
                                     model_sha256=self.card.model_sha256),
            inputs=[TensorClaim(**c) for c in inputs],
            outputs=[OutputClaim(**c) for c in outputs],
            visibility={"input": vis0["input"], "output": visn["output"], "param": vis0["param"]},
            links=links,
            slices=[SliceProof(circuit_id=ref.id, proof=pr)
                    for ref, pr in zip(self.card.slices, proofs, strict=True)],
        )


def _swap_commitments(jobs: list[SliceJob]) -> None:
    """ezkl's proof-splitting step: slice i's output commitments become slice i+1's input
    commitments in its witness, and ``swap_proof_commitments`` writes them into its proof."""
    for prev, job in zip(jobs, jobs[1:], strict=False):
        w_prev = json.loads(Path(prev.witness).read_text())
        w = json.loads(Path(job.witness).read_text())
        w["processed_inputs"] = w_prev["processed_outputs"]
        Path(job.witness).write_text(json.dumps(w))
        try:
            engine.swap_proof_commitments(Path(job.proof), Path(job.witness))
        except EngineError as e:
            raise EngineError(f"slice {job.index}: {e}") from None


def prove_job(job: SliceJob) -> float:
    """Prove one slice from its witness; the seconds it took."""
    t0 = time.perf_counter()
    try:
        engine.prove(Path(job.witness), Path(job.compiled), Path(job.pk), Path(job.proof),
                     Path(job.srs))
    except EngineError as e:
        raise EngineError(f"slice {job.index}: {e}") from None
    return time.perf_counter() - t0


def _init_worker(threads: int) -> None:
    from ..backends import _die_with_parent

    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def prove_on_pool(jobs: list[SliceJob], workers: int) -> list[float]:
    """The slices on a spawned process pool (fork is unsafe once ezkl's threads exist)."""
    from concurrent.futures.process import BrokenProcessPool

    from ..backends import _stop_pool, threads_per_worker

    n = min(workers, len(jobs))
    ex = ProcessPoolExecutor(n, mp_context=get_context("spawn"), initializer=_init_worker,
                             initargs=(threads_per_worker(n),))
    try:
        # Largest slices first, so the pool does not end waiting on one big straggler.
        order = sorted(jobs, key=lambda j: -Path(j.pk).stat().st_size)
        futures = {j.index: ex.submit(prove_job, j) for j in order}
        try:
            return [futures[j.index].result() for j in jobs]
        except BrokenProcessPool:
            raise EngineError("a worker process proving a slice died (out of memory? try fewer "
                              "--workers)") from None
    finally:
        _stop_pool(ex)


def prove_on_ray(jobs: list[SliceJob], address: str, workers: int) -> list[float]:
    """The slices as Ray tasks. Each task is handed its witness and slice files through the
    object store and returns the proof, so the Ray nodes need no shared filesystem."""
    from ..backends import _line, import_ray, ray_init, threads_per_worker

    ray = import_ray()
    started = ray_init(address, num_cpus=max(1, workers))
    try:
        threads = threads_per_worker(min(workers, len(jobs))) if address == "local" else 1
        task = ray.remote(num_cpus=1)(_ray_prove)
        refs = [task.remote(j.index, {name: ray.put(Path(p).read_bytes()) for name, p in (
            ("witness.json", j.witness), ("model.compiled", j.compiled), ("pk.key", j.pk),
            ("kzg.srs", j.srs))}, threads) for j in jobs]
        try:
            results = ray.get(refs)
        except ray.exceptions.RayError as e:
            raise EngineError(f"ray worker failed: {_line(e)}") from None
        for j, (proof, _) in zip(jobs, results, strict=True):
            Path(j.proof).write_bytes(proof)
        return [s for _, s in results]
    finally:
        if started:
            ray.shutdown()


def _ray_prove(index: int, files: dict[str, Any], threads: int) -> tuple[bytes, float]:
    import ray

    os.environ.setdefault("RAYON_NUM_THREADS", str(threads))
    with tempfile.TemporaryDirectory(prefix="zkverify-slice-") as tmp:
        t = Path(tmp)
        for name, ref in files.items():
            (t / name).write_bytes(ref if isinstance(ref, bytes) else ray.get(ref))
        job = SliceJob(index, str(t / "witness.json"), str(t / "model.compiled"),
                       str(t / "pk.key"), str(t / "kzg.srs"), str(t / "proof.json"))
        seconds = prove_job(job)
        return (t / "proof.json").read_bytes(), seconds


def prove_sliced(circuit_dir: str | Path, input_path: str | Path, out: str | Path | None = None,
                 *, workers: int = 1, ray_address: str | None = None) -> SlicedBundle:
    """Prove one inference of a sliced circuit; write the bundle to ``out``."""
    return SlicedProver(circuit_dir).prove_file(input_path, out, workers=workers,
                                                ray_address=ray_address)


assert "pk.key" in PROVE_FILES  # the slice directories are ordinary circuits
