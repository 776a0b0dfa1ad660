"""Proven accuracy: the model ran on exactly this data set and got this many answers right.

``zkverify evaluate`` builds a circuit that runs the model on a chunk of C samples, compares each
prediction (argmax of class scores, or ``score > threshold`` for a binary output) with its label,
and makes two numbers public: the correct answers and the samples in the chunk (a mask marks
the real ones: the last chunk pads with copies of the first sample, masked out). The samples,
labels and mask are **hashed** inputs, so each chunk proof carries their Poseidon hashes.

The data set's identity is ``dataset_sha256``: sha256 over the chunk size and, chunk by chunk in
data order, the three hash instances. Anyone can pin it (``--dataset-sha256``) or recompute it
from the data files (``--data/--labels`` on verify, which needs the circuit's ``model.compiled``),
so a chunk left out, repeated, reordered or taken from other data changes it; a chunk's count
is a public output of its proof, so editing one breaks that proof.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InputError, ModelError

LABELS, MASK, CORRECT, COUNT = "labels", "mask", "correct", "count"


@dataclass(frozen=True)
class EvalSpec:
    chunk_size: int
    threshold: float | None  # None: argmax of class scores


def add_head(model_onnx: Path, out: Path, spec: EvalSpec) -> None:
    """Append the comparison head to a model exported with batch axis C (one input, one output)."""
    import onnx
    from onnx import TensorProto, helper

    m = onnx.load(str(model_onnx))
    g = m.graph
    inits = {i.name for i in g.initializer}
    ins = [i for i in g.input if i.name not in inits]
    if len(ins) != 1 or len(g.output) != 1:
        raise ModelError(f"{model_onnx}: evaluate takes a model with one input and one output "
                         f"(this one has {len(ins)} and {len(g.output)})")
    scores = g.output[0].name
    c = spec.chunk_size

    def const(name: str, value: Any, dtype: int) -> str:
        g.initializer.append(helper.make_tensor(name, dtype, [len(value)], value))
        return name

    nodes = []
    if spec.threshold is None:
        nodes.append(helper.make_node("ArgMax", [scores], ["zk_pred"], axis=-1, keepdims=0))
        pred = "zk_pred"
    else:
        shape = const("zk_shape", [c], TensorProto.INT64)
        thr = const("zk_threshold", [float(spec.threshold)], TensorProto.FLOAT)
        nodes += [helper.make_node("Reshape", [scores, shape], ["zk_flat"]),
                  helper.make_node("Greater", ["zk_flat", thr], ["zk_gt"]),
                  helper.make_node("Cast", ["zk_gt"], ["zk_pred"], to=TensorProto.INT64)]
        pred = "zk_pred"
    axes = const("zk_axes", [0], TensorProto.INT64)
    nodes += [
        helper.make_node("Equal", [pred, LABELS], ["zk_eq"]),
        helper.make_node("And", ["zk_eq", MASK], ["zk_ok"]),
        helper.make_node("Cast", ["zk_ok"], ["zk_ok_i"], to=TensorProto.INT64),
        helper.make_node("ReduceSum", ["zk_ok_i", axes], [CORRECT], keepdims=1),
        helper.make_node("Cast", [MASK], ["zk_mask_i"], to=TensorProto.INT64),
        helper.make_node("ReduceSum", ["zk_mask_i", axes], [COUNT], keepdims=1),
    ]
    g.node.extend(nodes)
    g.input.extend([helper.make_tensor_value_info(LABELS, TensorProto.INT64, [c]),
                    helper.make_tensor_value_info(MASK, TensorProto.BOOL, [c])])
    del g.output[:]
    g.output.extend([helper.make_tensor_value_info(CORRECT, TensorProto.INT64, [1]),
                     helper.make_tensor_value_info(COUNT, TensorProto.INT64, [1])])
    try:
        onnx.checker.check_model(m)
    except Exception as e:
        raise ModelError(f"{model_onnx}: the evaluation graph is not valid ONNX "
                         f"({str(e).splitlines()[0][:160]})") from None
    onnx.save(m, str(out))


def load_data(data: Path, labels: Path, sample_shape: tuple[int, ...]) -> tuple[np.ndarray,
                                                                                np.ndarray]:
    """X (n, *sample) as float64 and Y (n,) as int64, checked against each other."""
    def load(p: Path) -> np.ndarray:
        if not p.is_file():
            raise InputError(f"{p}: no such file")
        try:
            return np.asarray(np.load(p, allow_pickle=False))
        except (ValueError, OSError, EOFError) as e:
            raise InputError(f"{p}: not a readable .npy array ({e})") from None

    x, y = load(data), load(labels).reshape(-1)
    per = int(np.prod(sample_shape[1:])) if len(sample_shape) > 1 else 1
    if x.size == 0 or x.size % per:
        raise InputError(f"{data}: {x.size} values is not a whole number of samples of shape "
                         f"{list(sample_shape[1:])}")
    x = x.reshape(-1, per).astype(np.float64)
    if len(x) != len(y):
        raise InputError(f"{labels}: {len(y)} labels for {len(x)} samples in {data}")
    if not np.isfinite(x).all():
        raise InputError(f"{data}: samples must be finite numbers")
    if not np.array_equal(y, np.round(y)):
        raise InputError(f"{labels}: labels must be whole numbers (class indices)")
    return x, y.astype(np.int64)


def chunk_feeds(x: np.ndarray, y: np.ndarray, c: int) -> list[list[np.ndarray]]:
    """Chunks of C samples in data order; the last padded with copies of sample 0, masked out."""
    feeds = []
    for i in range(0, len(x), c):
        xs, ys = x[i:i + c], y[i:i + c]
        pad = c - len(xs)
        mask = np.asarray([True] * len(xs) + [False] * pad)
        if pad:
            xs = np.concatenate([xs, np.repeat(x[:1], pad, axis=0)])
            ys = np.concatenate([ys, np.repeat(y[:1], pad)])
        feeds.append([xs.reshape(-1), ys.astype(np.int64), mask])
    return feeds


def dataset_sha256(chunk_size: int, chunk_hashes: list[list[str]]) -> str:
    """sha256(C as 8 bytes BE || for each chunk: its sample, label and mask hash instances as
    32 bytes big-endian): what pins the data set, order and padding included."""
    from .verdict import felt_int

    h = hashlib.sha256(chunk_size.to_bytes(8, "big"))
    for hashes in chunk_hashes:
        for f in hashes:
            h.update(felt_int(f).to_bytes(32, "big"))
    return h.hexdigest()


def data_hashes(compiled: Path, feeds: list[list[np.ndarray]]) -> list[list[str]]:
    """Each chunk's three input hash instances, from ezkl's witness (no proof needed)."""
    from .quantize import witnesses

    return [list((w.get("processed_inputs") or {}).get("poseidon_hash") or [])
            for w in witnesses(compiled, feeds)]


def build_evaluation(source: str | Path, out_dir: str | Path, data: Path, labels: Path,
                     chunk_size: int, threshold: float | None = None,
                     config: Any = None, progress: Any = None) -> Any:
    """``zkverify evaluate``: the model with the comparison head, calibrated on the data's first
    chunks, inputs hashed and the two counts public."""
    import shutil
    from dataclasses import replace

    from .circuit import BuildConfig, build
    from .sources import materialize_onnx, plan

    config = config or BuildConfig()
    if config.input_visibility not in (None, "hashed") or config.output_visibility not in (
            None, "public"):
        raise InputError("evaluate: the data is hashed and the counts public (no visibility "
                         "options apart from --param-visibility)")
    p = plan(source, replace(config, batch_size=chunk_size))
    work = Path(tempfile.mkdtemp(prefix="zkverify-evaluate-"))
    try:
        model = work / "model.onnx"
        p, inputs = materialize_onnx(p, model)
        if len(inputs) != 1:
            raise ModelError(f"{source}: evaluate takes a model with one input "
                             f"(this one has {len(inputs)})")
        x, y = load_data(Path(data), Path(labels), inputs[0].shape)
        head = work / "network.onnx"
        add_head(model, head, EvalSpec(chunk_size, threshold))
        feeds = chunk_feeds(x, y, chunk_size)[:8]  # calibrate on the data's first chunks
        cal = work / "calibration.npz"
        arrays: dict[str, Any] = {inputs[0].name: np.stack([f[0] for f in feeds]),
                                  LABELS: np.stack([f[1] for f in feeds]),
                                  MASK: np.stack([f[2] for f in feeds])}
        np.savez(cal, **arrays)
        cfg = replace(p.config, name=p.name, batch_size=None, input_visibility="hashed",
                      output_visibility="public", calibration_data=cal, classifier=False,
                      classifier_outputs=(), classifier_output=None, input_shape=None,
                      evaluation={"chunk_size": chunk_size,
                                  "rule": "argmax" if threshold is None else "threshold",
                                  "threshold": threshold})
        return build(head, out_dir, cfg, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def prove_evaluation(circuit_dir: str | Path, data: Path, labels: Path, out: Path,
                     workers: int = 1, ray_address: str | None = None) -> dict[str, Any]:
    """Prove every chunk (in parallel on the local pool or Ray) into one evaluation bundle."""
    from . import engine
    from .backends import run_local, run_pool, run_ray
    from .batch import Outcome
    from .files import write_json_atomic
    from .manifest import utcnow
    from .proving import Prover
    from .verdict import settings_visibility

    prover = Prover(circuit_dir)
    ev = prover.card.evaluation
    if not ev:
        raise InputError(f"{circuit_dir}: not an evaluation circuit (build it with "
                         f"`zkverify evaluate`)")
    c = int(ev["chunk_size"])
    x, y = load_data(Path(data), Path(labels), prover.inputs[0].shape)
    feeds = chunk_feeds(x, y, c)
    todo: list[tuple[int, Any]] = list(enumerate(feeds))
    outcomes: dict[int, Outcome] = {}
    if ray_address:
        run_ray(prover, todo, lambda o: outcomes.__setitem__(o.index, o), ray_address, workers)
    elif workers > 1:
        run_pool(prover, todo, lambda o: outcomes.__setitem__(o.index, o), workers)
    else:
        run_local(prover, todo, lambda o: outcomes.__setitem__(o.index, o))
    failed = [o for o in outcomes.values() if o.status != "ok"]
    if failed or len(outcomes) != len(feeds):
        why = failed[0].error if failed else "interrupted"
        raise InputError(f"{data}: chunk {failed[0].index if failed else '?'} could not be "
                         f"proved: {why}")
    chunks = [outcomes[k].bundle for k in range(len(feeds))]
    proofs = [b["proof"] for b in chunks if b is not None]
    correct = sum(int(b["outputs"][0]["values"][0]) for b in chunks if b is not None)
    hashes = [[t["hash"] for t in b["inputs"]] for b in chunks if b is not None]
    bundle = {
        "format": "zkverify.proof-bundle/2", "kind": "evaluation",
        "zkverify_version": chunks[0]["zkverify_version"] if chunks[0] else "",
        "ezkl_version": engine.ezkl_version(),
        "circuit": {"id": prover.card.circuit_id, **prover.hashes},
        "visibility": settings_visibility(prover.settings), "created_at": utcnow(),
        "evaluation": {"chunk_size": c, "chunks": len(feeds), "correct": correct,
                       "total": len(x), "accuracy": correct / len(x),
                       "dataset_sha256": dataset_sha256(c, hashes)},
        "chunks": [{"proof": p} for p in proofs],
    }
    write_json_atomic(out, bundle)
    return bundle


def expected_dataset_sha256(circuit_dir: Path, data: Path, labels: Path) -> str:
    """The hash a bundle over exactly this data must carry, recomputed from the files. ezkl's
    witness computes the Poseidon hashes, on a circuit compiled here from the card's model and
    settings (so a swapped model.compiled cannot change the answer)."""
    from . import engine
    from .manifest import CircuitDir
    from .verdict import check_files

    cd = CircuitDir(circuit_dir)
    card = cd.check_integrity()
    if not card.evaluation:
        raise InputError(f"{circuit_dir}: not an evaluation circuit")
    if not cd.onnx.is_file():
        raise InputError(f"{cd.onnx}: needed to recompute the data set's hash (--data); or pin "
                         f"it with --dataset-sha256")
    check_files(card, {"model_sha256": cd.onnx})
    c = int(card.evaluation["chunk_size"])
    x, y = load_data(Path(data), Path(labels), tuple(card.input_tensors()[0].shape))
    with tempfile.TemporaryDirectory(prefix="zkverify-dataset-") as tmp:
        compiled = Path(tmp) / "model.compiled"
        engine.compile_circuit(cd.onnx, compiled, cd.settings)
        return dataset_sha256(c, data_hashes(compiled, chunk_feeds(x, y, c)))
