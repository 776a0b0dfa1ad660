"""Batched circuits' conformance vectors: ``python tests/conformance/generate.py --batched``.

Circuits with ``batch_size`` in their card (``zkverify build --batch-size 4``), built from
tests/io_models.py's ``TwoInTwoOut`` exported with a symbolic batch axis (as
tests/test_batched.py exports it): inputs ``x`` float32 [4, 3] and ``ids`` int64 [4, 2], outputs
``scores`` [4, 2] (class scores: one argmax per row) and ``total`` [4, 1] (values).

* ``batched``: all public, built with ``disable_freivalds = true`` so the page can check it;
* ``batched_hashed``: the same, inputs hashed (one hash per input tensor: the padding rows
  cannot be checked, only the proof binds them);
* ``batched_freivalds``: ezkl's default ``disable_freivalds = false``. The batched Linear is a
  product with two free dimensions above 1, which ezkl 23 checks with Freivalds' algorithm
  (``einsum_params.total_einsum_col_size > 0``) and the page's engine 21 cannot: Python answers
  its cases, the page refuses the circuit in one line (``expect_page``).

Genuine bundles with 2 and 4 real inputs (B = 4), then the cases named ``batched_*``: the
``kind``/``batch`` fields (docs/VERDICT.md, "Batched bundles"), the padding check
(``batch.real``), per-row predictions, instances edited with the claims following
(``zkverify.verdict.tensor_claims``), and a bundle of the first format. Only these circuits and
``batched_*`` cases are (re)written; every other vector stays as it is.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from generate import HERE, TINY, as_v1, felt_add, follow_instances, publish

B = 4
CIRCUITS = ("batched", "batched_hashed", "batched_freivalds")
# One input per line: four different ones (a proof of two real inputs pads with copies of the first).
INPUTS = [{"inputs": {"x": [0.1, 0.2, 0.3], "ids": [1, 2]}},
          {"inputs": {"x": [0.5, -0.25, 1.0], "ids": [1, 5]}},
          {"inputs": {"x": [-0.7, 0.9, 0.05], "ids": [7, 0]}},
          {"inputs": {"x": [0.25, -0.5, -0.125], "ids": [3, 3]}}]


def export(path: Path) -> Path:
    """TwoInTwoOut with a symbolic batch axis on every input and output."""
    import torch

    from tests.io_models import TwoInTwoOut

    axes = {n: {0: "batch_size"} for n in ("x", "ids", "scores", "total")}
    torch.onnx.export(TwoInTwoOut(), (torch.randn(1, 3), torch.tensor([[1, 5]])), str(path),
                      input_names=["x", "ids"], output_names=["scores", "total"], dynamo=False,
                      opset_version=18, dynamic_axes=axes)
    return path


def build_all(root: Path) -> dict[str, Path]:
    from zkverify.circuit import BuildConfig, build

    onnx = export(root / "two_dyn.onnx")
    base: dict[str, Any] = {"classifier": None, "classifier_outputs": ("scores",),
                            "batch_size": B, "calibrate": False}
    plans: dict[str, dict[str, Any]] = {
        "batched": {"run_args": {"disable_freivalds": True}},
        "batched_hashed": {"run_args": {"disable_freivalds": True},
                           "input_visibility": "hashed"},
        "batched_freivalds": {"run_args": {}},
    }
    out = {}
    for name, kw in plans.items():
        out[name] = root / name
        run_args = {**TINY, "logrows": 12, **kw.pop("run_args")}
        build(onnx, out[name], BuildConfig(name=name, run_args=run_args, **base, **kw))
    return out


def prove_n(cd: Path, n: int, root: Path) -> dict[str, Any]:
    """A genuine batched bundle of the first ``n`` inputs (padded to B)."""
    from zkverify.proving import Prover

    src = root / f"{cd.name}-{n}.jsonl"
    src.write_text("".join(json.dumps(i) + "\n" for i in INPUTS[:n]))
    data: dict[str, Any] = Prover(cd).prove_file(src).model_dump(mode="json")
    return data


def freivalds(circuit: str) -> int:
    s = json.loads((HERE / "circuits" / circuit / "settings.json").read_text())
    return int((s.get("einsum_params") or {}).get("total_einsum_col_size") or 0)


def main_batched() -> None:
    from zkverify.verdict import canonical_proof_hash

    for name in CIRCUITS:
        shutil.rmtree(HERE / "circuits" / name, ignore_errors=True)
    (HERE / "cases").mkdir(parents=True, exist_ok=True)
    for old in (HERE / "cases").glob("batched_*.json"):
        old.unlink()
    cases: list[dict[str, Any]] = []

    def case(name: str, circuit: str, bundle: Any, verdict: str, field: str | None = None,
             reason: str = "", **extra: Any) -> None:
        cases.append({"name": f"batched_{name}", "circuit": circuit, "bundle": bundle,
                      "expect": {"verdict": verdict, "field": field, "reason": reason, **extra}})

    g: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["ZKVERIFY_CACHE_DIR"] = str(root / "cache")
        built = build_all(root)
        for name, cd in built.items():
            publish(cd, name)
        g["2"] = prove_n(built["batched"], 2, root)
        g["4"] = prove_n(built["batched"], 4, root)
        g["hashed"] = prove_n(built["batched_hashed"], 2, root)
        g["freivalds"] = prove_n(built["batched_freivalds"], 2, root)
    for name in CIRCUITS:
        print(f"{name}: einsum_params.total_einsum_col_size = {freivalds(name)}")

    def mut(base: dict[str, Any], fn: Any) -> dict[str, Any]:
        b = copy.deepcopy(base)
        fn(b)
        return b

    def row_preds(b: dict[str, Any], real: int) -> list[Any] | None:
        """One entry per real row, from the genuine claims: {"scores": class, "total": [v]}."""
        if any(o["values"] is None for o in b["outputs"]):
            return None
        scores, total = b["outputs"]
        n = len(total["values"]) // B
        return [{"scores": scores["prediction"][r], "total": total["values"][r * n:(r + 1) * n]}
                for r in range(real)]

    def valid(name: str, circuit: str, b: dict[str, Any], real: int | None = None) -> None:
        real = b["batch"]["real"] if real is None else real
        pred = {o["name"]: o["values"] if o["prediction"] is None else o["prediction"]
                for o in b["outputs"]} if all(o["values"] is not None for o in b["outputs"]) else None
        case(name, circuit, b, "valid", proof_hash=canonical_proof_hash(b["proof"]),
             inputs=None if any(i["values"] is None for i in b["inputs"]) else
             [i["values"] for i in b["inputs"]],
             outputs=None if pred is None else [o["values"] for o in b["outputs"]],
             by_output=None, prediction=row_preds(b, real), predictions=row_preds(b, real),
             batch={"size": B, "real": real},
             input_names=[i["name"] for i in b["inputs"]],
             output_names=[o["name"] for o in b["outputs"]], format=b["format"])

    t2, t4 = g["2"], g["4"]
    assert t2["kind"] == "batched" and t2["batch"] == {"size": B, "real": 2}
    assert t4["batch"] == {"size": B, "real": 4}
    valid("valid_real_2", "batched", t2)
    valid("valid_real_4", "batched", t4)
    valid("valid_free_fields", "batched", mut(t2, lambda b: (
        b.update(created_at="1999-01-01T00:00:00Z"), b["circuit"].update(name="another"))))
    # Padding is a copy of the first input, so a bundle may call it real: rows 2 and 3 are then
    # two more (proven) predictions for input 0. Only the prover knows which rows it meant.
    valid("valid_real_raised_to_4_counts_the_copies", "batched", mut(t2, lambda b: b[
        "batch"].update(real=4)))

    # The batch fields.
    case("real_lowered_to_1", "batched", mut(t2, lambda b: b["batch"].update(real=1)),
         "invalid", "batch.real", "not copies of the first input")
    case("real_lowered_to_3", "batched", mut(t4, lambda b: b["batch"].update(real=3)),
         "invalid", "batch.real")
    case("real_0", "batched", mut(t2, lambda b: b["batch"].update(real=0)), "invalid", "batch",
         "real in 1..4")
    case("real_5", "batched", mut(t2, lambda b: b["batch"].update(real=5)), "invalid", "batch")
    case("real_negative", "batched", mut(t2, lambda b: b["batch"].update(real=-1)), "invalid",
         "batch")
    case("real_as_float", "batched", mut(t2, lambda b: b["batch"].update(real=2.0)), "invalid",
         "batch")
    case("real_as_string", "batched", mut(t2, lambda b: b["batch"].update(real="2")), "invalid",
         "batch")
    case("real_as_boolean", "batched", mut(t2, lambda b: b["batch"].update(real=True)),
         "invalid", "batch")
    case("real_null", "batched", mut(t2, lambda b: b["batch"].update(real=None)), "invalid",
         "batch")
    case("real_missing", "batched", mut(t2, lambda b: b["batch"].pop("real")), "invalid",
         "batch")
    case("size_8", "batched", mut(t2, lambda b: b["batch"].update(size=8)), "invalid", "batch",
         "size must be the circuit's 4")
    case("size_as_float", "batched", mut(t2, lambda b: b["batch"].update(size=4.0)), "invalid",
         "batch")
    case("batch_extra_key", "batched", mut(t2, lambda b: b["batch"].update(padding="copies")),
         "invalid", "batch")
    case("batch_missing", "batched", mut(t2, lambda b: b.pop("batch")), "invalid", "batch")
    case("batch_null", "batched", mut(t2, lambda b: b.update(batch=None)), "invalid", "batch")
    case("batch_as_list", "batched", mut(t2, lambda b: b.update(batch=[4, 2])), "invalid",
         "batch")
    case("kind_single", "batched", mut(t2, lambda b: b.update(kind="single")), "invalid", "kind",
         "'batched', not 'single'")
    case("kind_single_without_batch", "batched", mut(t2, lambda b: (
        b.update(kind="single"), b.pop("batch"))), "invalid", "kind")
    case("kind_missing", "batched", mut(t2, lambda b: b.pop("kind")), "invalid", "kind")
    case("kind_unknown", "batched", mut(t2, lambda b: b.update(kind="sliced")), "invalid",
         "kind")
    # Rule 1 comes first: an unknown top-level key beats a bad batch.
    case("unknown_key_and_bad_batch", "batched", mut(t2, lambda b: (
        b.update(rows=4), b["batch"].update(real=9))), "invalid", "rows")

    # Predictions and values: the whole batched tensor, padding rows included.
    def padding_prediction(b: dict[str, Any]) -> None:
        p = b["outputs"][0]["prediction"]
        p[3] = 1 - p[3]
    case("padding_prediction_edited", "batched", mut(t2, padding_prediction), "invalid",
         "outputs[0].prediction", "does not follow")
    case("real_prediction_edited", "batched", mut(t2, lambda b: b["outputs"][0][
        "prediction"].__setitem__(1, 1 - b["outputs"][0]["prediction"][1])), "invalid",
        "outputs[0].prediction")
    case("prediction_of_real_rows_only", "batched", mut(t2, lambda b: b["outputs"][0].update(
        prediction=b["outputs"][0]["prediction"][:2])), "invalid", "outputs[0].prediction")
    case("prediction_as_one_int", "batched", mut(t2, lambda b: b["outputs"][0].update(
        prediction=b["outputs"][0]["prediction"][0])), "invalid", "outputs[0].prediction")
    case("padding_input_claim_edited", "batched", mut(t2, lambda b: b["inputs"][1][
        "values"].__setitem__(6, b["inputs"][1]["values"][6] + 1)), "invalid",
        "inputs[1].values")
    case("values_of_real_rows_only", "batched", mut(t2, lambda b: b["inputs"][0].update(
        values=b["inputs"][0]["values"][:6])), "invalid", "inputs[0].values")
    case("shape_unbatched", "batched", mut(t2, lambda b: b["inputs"][0].update(shape=[1, 3])),
         "invalid", "inputs[0].shape")

    # Instances edited, the claims following: the padding check, else only the proof can tell.
    # Instances: x (4 rows of 3), ids (4 rows of 2), scores (4 rows of 2), total (4 rows of 1).
    def edit(b: dict[str, Any], at: int, value: int | None = None, delta: int = 0) -> None:
        inst = b["proof"]["instances"][0]
        inst[at] = (value.to_bytes(32, "little").hex() if value is not None
                    else felt_add(inst[at], delta))
        follow_instances(b, "batched")
    # Padding row 3's token id: no longer a copy of input 0.
    case("padding_input_row_edited_claims_follow", "batched", mut(
        t2, lambda b: edit(b, 12 + 3 * 2, value=6)), "invalid", "batch.real")
    # The same row edited and called real: only the proof can tell.
    case("padding_input_row_edited_called_real_claims_follow", "batched", mut(
        t2, lambda b: (b["batch"].update(real=4), edit(b, 12 + 3 * 2, value=6))), "invalid",
        "proof", "does not verify")
    # A real row's x: the padding check holds, the proof does not.
    case("real_input_row_edited_claims_follow", "batched", mut(
        t2, lambda b: edit(b, 1 * 3, delta=2 ** 5)), "invalid", "proof", "does not verify")
    # A padding row's output (never padding-checked: outputs follow from inputs in the proof).
    case("padding_output_row_edited_claims_follow", "batched", mut(
        t2, lambda b: edit(b, 20 + 3 * 2, delta=2 ** 9)), "invalid", "proof", "does not verify")
    case("proof_byte_flipped", "batched", mut(t4, lambda b: (
        b["proof"]["proof"].__setitem__(99, b["proof"]["proof"][99] ^ 1),
        b["proof"].update(hex_proof="0x" + bytes(b["proof"]["proof"]).hex()))),
        "invalid", "proof", "does not verify")

    # Bundles of the first format cannot state a batch; another circuit's bundle; format 3.
    case("v1_bundle", "batched", as_v1(t2), "invalid", "format", "cannot state")
    case("v1_bundle_on_hashed_inputs", "batched_hashed", as_v1(g["hashed"]), "invalid",
         "format")

    # Hashed inputs: the proof binds every row, the padding rows cannot be compared.
    h = g["hashed"]
    valid("hashed_valid_real_2", "batched_hashed", h)
    # No public input rows to compare: batch.real is the prover's word (1..B).
    valid("hashed_real_lowered_to_1_is_not_checkable", "batched_hashed", mut(
        h, lambda b: b["batch"].update(real=1)))
    case("hashed_real_5", "batched_hashed", mut(h, lambda b: b["batch"].update(real=5)),
         "invalid", "batch")
    case("hashed_kind_single", "batched_hashed", mut(h, lambda b: b.update(kind="single")),
         "invalid", "kind")
    case("hashed_input_hash_edited", "batched_hashed", mut(h, lambda b: b["inputs"][0].update(
        hash=felt_add(b["inputs"][0]["hash"], 1))), "invalid", "inputs[0].hash")
    case("hashed_values_claimed", "batched_hashed", mut(h, lambda b: b["inputs"][0].update(
        values=t2["inputs"][0]["values"])), "invalid", "inputs[0].values", "not public")
    case("hashed_instance_edited_claims_follow", "batched_hashed", mut(h, lambda b: (
        b["proof"]["instances"][0].__setitem__(1, felt_add(b["proof"]["instances"][0][1], 1)),
        follow_instances(b, "batched_hashed"))), "invalid", "proof", "does not verify")
    case("hashed_padding_prediction_edited", "batched_hashed", mut(h, padding_prediction),
         "invalid", "outputs[0].prediction")
    case("bundle_of_another_batched_circuit", "batched", h, "invalid", "circuit.settings_sha256")

    # Python checks Freivalds proofs; the page refuses the circuit before looking at any claim.
    assert freivalds("batched_freivalds") > 0
    assert not freivalds("batched") and not freivalds("batched_hashed")
    refusal = {"verdict": "error", "field": None, "reason": "Freivalds' algorithm"}
    f = g["freivalds"]
    n_page = len(cases)
    valid("freivalds_valid_real_2", "batched_freivalds", f)
    case("freivalds_real_lowered_to_1", "batched_freivalds", mut(f, lambda b: b["batch"].update(
        real=1)), "invalid", "batch.real")
    case("freivalds_proof_byte_flipped", "batched_freivalds", mut(f, lambda b: (
        b["proof"]["proof"].__setitem__(99, b["proof"]["proof"][99] ^ 1),
        b["proof"].update(hex_proof="0x" + bytes(b["proof"]["proof"]).hex()))),
        "invalid", "proof", "does not verify")
    for c in cases[n_page:]:
        c["expect_page"] = refusal

    for c in cases:
        (HERE / "cases" / f"{c['name']}.json").write_text(json.dumps(c) + "\n")
    print(f"wrote {len(cases)} batched cases and {len(CIRCUITS)} batched circuits")
