"""The second formats' conformance vectors: ``python tests/conformance/generate.py --v2``.

Circuits with ``zkverify.card/2`` cards, exported here with torch and built by zkverify:

* ``v2_tiny``: tests/tiny_model.py's classifier (one float input, one output of class scores);
* ``two_io``: two inputs (``x`` float32 [1, 3], ``ids`` int64 [1, 2] through an Embedding) and
  two outputs (``scores`` [1, 2, 3], declared class scores: one argmax per row; ``total``
  [1, 2], values), all public;
* ``two_io_hashed``: the same model, inputs and params hashed (one hash per input tensor);
* ``two_io_out_hashed``: the same model, outputs hashed (one hash per output tensor);
* ``bool_in``: a float input and a bool mask;
* ``no_input``: a model with no input at all (``{"input_data": [[]]}``);
* ``two_io_freivalds``: ``two_io`` built with ezkl's default ``disable_freivalds = false``. Its
  Linear over two rows is a product with two free dimensions above 1, which ezkl 23 checks with
  Freivalds' algorithm (``einsum_params.total_einsum_col_size > 0``) and the page's engine 21
  cannot: Python answers its cases, the page refuses the circuit in one line (``expect_page``).
  The other ``two_io`` circuits are built with ``disable_freivalds = true``, so the page checks them.

One genuine ``zkverify.proof-bundle/2`` each, then the cases named ``v2_*``: each claim field
tampered, instances edited with the claims following (``zkverify.verdict.tensor_claims``), and
bundles of the first format against these circuits. Only ``v2_*`` cases and these circuits are
rewritten; the first formats' vectors stay as they are.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from generate import HERE, TESTS, TINY, as_v1, felt_add, follow_instances, prove, publish

CIRCUITS = ("v2_tiny", "two_io", "two_io_hashed", "two_io_out_hashed", "bool_in", "no_input",
            "two_io_freivalds")
# Inputs of each model, in ezkl's own input format (one flat list per graph input).
INPUT_DATA: dict[str, list[list[Any]]] = {
    "two_io": [[0.5, -0.25, 1.0], [1, 5]],
    "bool_in": [[0.5, -0.25, 1.0, 2.0], [True, False, True, True]],
    "no_input": [[]],
}


def export_models(root: Path) -> dict[str, Path]:
    """The ONNX files of the multi-tensor models (torch, legacy exporter, fixed seeds)."""
    import torch

    class TwoIO(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.emb = torch.nn.Embedding(8, 3)
            self.lin = torch.nn.Linear(3, 3)

        def forward(self, x: Any, ids: Any) -> Any:
            h = self.lin(x.unsqueeze(1) + self.emb(ids))  # [1, 2, 3]: two rows of class scores
            return h, h.sum(dim=-1)

    class BoolIn(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.lin = torch.nn.Linear(4, 2)

        def forward(self, x: Any, mask: Any) -> Any:
            return self.lin(x * mask.float())

    class NoInput(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.w = torch.nn.Parameter(torch.randn(1, 3))

        def forward(self) -> Any:
            return torch.relu(self.w) * 2

    out = {name: root / f"{name}.onnx" for name in INPUT_DATA}
    torch.onnx.export(TwoIO(), (torch.tensor([[0.5, -0.25, 1.0]]), torch.tensor([[1, 5]])),
                      str(out["two_io"]), input_names=["x", "ids"],
                      output_names=["scores", "total"], dynamo=False)
    torch.onnx.export(BoolIn(), (torch.randn(1, 4), torch.tensor([[True, False, True, True]])),
                      str(out["bool_in"]), input_names=["x", "mask"], output_names=["y"],
                      dynamo=False)
    torch.onnx.export(NoInput(), (), str(out["no_input"]), output_names=["y"], dynamo=False)
    return out


def build_all(root: Path) -> dict[str, Path]:
    from zkverify.circuit import BuildConfig, build
    from zkverify.exporting import export_model

    onnx = export_models(root)
    tiny = root / "tiny-model"
    export_model(f"{TESTS / 'tiny_model.py'}:tiny_mlp", (1, 4), tiny)
    onnx["v2_tiny"] = tiny / "network.onnx"
    data = {}
    for name, arrays in INPUT_DATA.items():
        data[name] = root / f"{name}-input.json"
        data[name].write_text(json.dumps({"input_data": arrays}))
    two = {"classifier_outputs": ("scores",), "calibration_data": data["two_io"],
           "run_args": {"disable_freivalds": True}}
    plans: dict[str, tuple[str, dict[str, Any]]] = {
        "v2_tiny": ("v2_tiny", {"classifier": True}),
        "two_io": ("two_io", two),
        "two_io_hashed": ("two_io", {**two, "input_visibility": "hashed",
                                     "param_visibility": "hashed"}),
        "two_io_out_hashed": ("two_io", {**two, "output_visibility": "hashed"}),
        "bool_in": ("bool_in", {"classifier": False, "calibration_data": data["bool_in"]}),
        "no_input": ("no_input", {"classifier": False, "calibration_data": data["no_input"]}),
        "two_io_freivalds": ("two_io", {**two, "run_args": {}}),
    }
    out = {}
    for name, (model, kw) in plans.items():
        logrows = 10 if name == "v2_tiny" else 12
        out[name] = root / name
        run_args = {**TINY, "logrows": logrows, **kw.pop("run_args", {})}
        build(onnx[model], out[name], BuildConfig(name=name, calibrate=False, run_args=run_args,
                                                  **kw))
    return out


def freivalds(circuit: str) -> int:
    s = json.loads((HERE / "circuits" / circuit / "settings.json").read_text())
    return int((s.get("einsum_params") or {}).get("total_einsum_col_size") or 0)


def main_v2() -> None:
    from zkverify.verdict import canonical_proof_hash

    for name in CIRCUITS:
        shutil.rmtree(HERE / "circuits" / name, ignore_errors=True)
    (HERE / "cases").mkdir(parents=True, exist_ok=True)
    for old in (HERE / "cases").glob("v2_*.json"):
        old.unlink()
    cases: list[dict[str, Any]] = []

    def case(name: str, circuit: str, bundle: Any, verdict: str, field: str | None = None,
             reason: str = "", **extra: Any) -> None:
        cases.append({"name": f"v2_{name}", "circuit": circuit, "bundle": bundle,
                      "expect": {"verdict": verdict, "field": field, "reason": reason, **extra}})

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["ZKVERIFY_CACHE_DIR"] = str(root / "cache")
        built = build_all(root)
        g: dict[str, dict[str, Any]] = {}
        for name, cd in built.items():
            publish(cd, name)
            g[name] = prove(cd)
    for name in CIRCUITS:
        print(f"{name}: einsum_params.total_einsum_col_size = {freivalds(name)}")

    def mut(base: dict[str, Any], fn: Any) -> dict[str, Any]:
        b = copy.deepcopy(base)
        fn(b)
        return b

    def valid(name: str, circuit: str, b: dict[str, Any]) -> None:
        # What a valid verdict reports: proven values only, equal to the genuine claims.
        pred = {o["name"]: o["values"] if o["prediction"] is None else o["prediction"]
                for o in b["outputs"]} if all(o["values"] is not None for o in b["outputs"]) else None
        case(name, circuit, b, "valid", proof_hash=canonical_proof_hash(b["proof"]),
             inputs=None if any(i["values"] is None for i in b["inputs"]) else
             [i["values"] for i in b["inputs"]],
             outputs=None if pred is None else [o["values"] for o in b["outputs"]],
             by_output=pred, input_names=[i["name"] for i in b["inputs"]],
             output_names=[o["name"] for o in b["outputs"]], format=b["format"])

    t = g["two_io"]
    for name in CIRCUITS:
        if name != "two_io_freivalds":
            valid(f"valid_{name}", name, g[name])
    valid("valid_free_fields", "two_io", mut(t, lambda b: (
        b.update(created_at="1999-01-01T00:00:00Z", zkverify_version="0.0.1"),
        b["circuit"].update(name="a famous audited model"))))
    # ezkl's own inputs hold token ids as floats (51.0): an integral float is the integer.
    valid("valid_integral_float_for_an_int", "two_io", mut(t, lambda b: b["inputs"][1].update(
        values=[float(v) for v in b["inputs"][1]["values"]])))
    case("valid_v1_bundle_on_a_card2_circuit", "v2_tiny", as_v1(g["v2_tiny"]), "valid",
         proof_hash=canonical_proof_hash(g["v2_tiny"]["proof"]),
         prediction=g["v2_tiny"]["outputs"][0]["prediction"], format="zkverify.proof-bundle/1")

    # Each claim field, tampered once.
    case("output_values_edited", "two_io", mut(t, lambda b: b["outputs"][1]["values"].__setitem__(
        0, b["outputs"][1]["values"][0] + 0.25)), "invalid", "outputs[1].values", "do not match")
    case("output_moved_4e-10", "two_io", mut(t, lambda b: b["outputs"][0]["values"].__setitem__(
        2, b["outputs"][0]["values"][2] + 4e-10)), "invalid", "outputs[0].values")
    case("input_values_edited", "two_io", mut(t, lambda b: b["inputs"][0]["values"].__setitem__(
        1, b["inputs"][0]["values"][1] + 0.25)), "invalid", "inputs[0].values")
    case("values_null_where_public", "two_io", mut(t, lambda b: b["outputs"][1].update(
        values=None)), "invalid", "outputs[1].values")
    case("values_one_short", "two_io", mut(t, lambda b: b["inputs"][0]["values"].pop()),
         "invalid", "inputs[0].values")
    case("values_nested", "two_io", mut(t, lambda b: b["inputs"][0].update(
        values=[b["inputs"][0]["values"]])), "invalid", "inputs[0].values")
    case("int_claimed_as_1_5", "two_io", mut(t, lambda b: b["inputs"][1]["values"].__setitem__(
        0, 1.5)), "invalid", "inputs[1].values")
    case("int_claimed_as_string", "two_io", mut(t, lambda b: b["inputs"][1]["values"].__setitem__(
        0, str(b["inputs"][1]["values"][0]))), "invalid", "inputs[1].values")
    case("int_claimed_as_boolean", "two_io", mut(t, lambda b: b["inputs"][1]["values"].__setitem__(
        0, True)), "invalid", "inputs[1].values")
    case("prediction_edited", "two_io", mut(t, lambda b: b["outputs"][0].update(
        prediction=[(p + 1) % 3 for p in b["outputs"][0]["prediction"]])), "invalid",
        "outputs[0].prediction", "does not follow")
    case("prediction_as_floats", "two_io", mut(t, lambda b: b["outputs"][0].update(
        prediction=[float(p) for p in b["outputs"][0]["prediction"]])), "invalid",
        "outputs[0].prediction")
    case("prediction_first_row_only", "two_io", mut(t, lambda b: b["outputs"][0].update(
        prediction=b["outputs"][0]["prediction"][0])), "invalid", "outputs[0].prediction")
    case("prediction_null", "two_io", mut(t, lambda b: b["outputs"][0].update(prediction=None)),
         "invalid", "outputs[0].prediction")
    case("prediction_on_a_values_output", "two_io", mut(t, lambda b: b["outputs"][1].update(
        prediction=0)), "invalid", "outputs[1].prediction")
    case("prediction_values_on_a_values_output", "two_io", mut(t, lambda b: b["outputs"][1].update(
        prediction=b["outputs"][1]["values"])), "invalid", "outputs[1].prediction")
    case("hash_on_a_public_input", "two_io", mut(t, lambda b: b["inputs"][0].update(
        hash="00" * 32)), "invalid", "inputs[0].hash")
    case("name_edited", "two_io", mut(t, lambda b: b["outputs"][0].update(name="total")),
         "invalid", "outputs[0]", "the circuit's is")
    case("name_missing", "two_io", mut(t, lambda b: b["inputs"][0].pop("name")),
         "invalid", "inputs[0]")
    case("dtype_edited", "two_io", mut(t, lambda b: b["inputs"][1].update(dtype="int32")),
         "invalid", "inputs[1]")
    case("shape_edited", "two_io", mut(t, lambda b: b["inputs"][0].update(shape=[3])),
         "invalid", "inputs[0].shape")
    case("shape_as_floats", "two_io", mut(t, lambda b: b["inputs"][0].update(
        shape=[float(d) for d in b["inputs"][0]["shape"]])), "invalid", "inputs[0].shape")
    case("shape_as_booleans", "two_io", mut(t, lambda b: b["outputs"][1].update(
        shape=[True, 2])), "invalid", "outputs[1].shape")
    case("inputs_reordered", "two_io", mut(t, lambda b: b["inputs"].reverse()), "invalid",
         "inputs[0]")
    case("extra_output_entry", "two_io", mut(t, lambda b: b["outputs"].append(
        copy.deepcopy(b["outputs"][1]))), "invalid", "outputs", "expected a list")
    case("missing_input_entry", "two_io", mut(t, lambda b: b["inputs"].pop()), "invalid",
         "inputs")
    case("inputs_null", "two_io", mut(t, lambda b: b.update(inputs=None)), "invalid", "inputs")
    case("outputs_missing", "two_io", mut(t, lambda b: b.pop("outputs")), "invalid", "outputs",
         "has no outputs")
    case("entry_not_an_object", "two_io", mut(t, lambda b: b["inputs"].__setitem__(
        0, b["inputs"][0]["values"])), "invalid", "inputs[0]")
    case("unknown_output_key", "two_io", mut(t, lambda b: b["outputs"][1].update(scale=7)),
         "invalid", "outputs[1].scale", "unknown field")
    case("input_has_a_prediction", "two_io", mut(t, lambda b: b["inputs"][0].update(
        prediction=None)), "invalid", "inputs[0].prediction", "unknown field")
    case("unknown_top_level_field", "two_io", mut(t, lambda b: b.update(trusted=True)),
         "invalid", "trusted")
    case("v1_prediction_key_in_a_v2_bundle", "two_io", mut(t, lambda b: b.update(
        prediction=None)), "invalid", "prediction")
    case("unknown_circuit_key", "two_io", mut(t, lambda b: b["circuit"].update(card="x")),
         "invalid", "circuit.card")
    case("circuit_id_edited", "two_io", mut(t, lambda b: b["circuit"].update(id="0" * 64)),
         "invalid", "circuit.id", "another circuit")
    case("circuit_id_of_another_circuit", "two_io", mut(t, lambda b: b["circuit"].update(
        id=g["two_io_hashed"]["circuit"]["id"])), "invalid", "circuit.id")
    case("circuit_id_missing", "two_io", mut(t, lambda b: b["circuit"].pop("id")), "invalid",
         "circuit.id")
    case("circuit_id_uppercase", "two_io", mut(t, lambda b: b["circuit"].update(
        id=b["circuit"]["id"].upper())), "invalid", "circuit.id")
    case("kind_edited", "two_io", mut(t, lambda b: b.update(kind="batch")), "invalid", "kind")
    case("kind_missing", "two_io", mut(t, lambda b: b.pop("kind")), "invalid", "kind")
    case("kind_batched_on_a_single_circuit", "two_io", mut(t, lambda b: b.update(kind="batched")),
         "invalid", "kind", "'single'")
    case("batch_on_a_single_circuit", "two_io", mut(t, lambda b: b.update(
        batch={"size": 2, "real": 1})), "invalid", "batch")
    case("visibility_edited", "two_io", mut(t, lambda b: b["visibility"].update(
        output="hashed")), "invalid", "visibility")
    case("vk_hash_of_another_circuit", "two_io", mut(t, lambda b: b["circuit"].update(
        vk_sha256=g["two_io_hashed"]["circuit"]["vk_sha256"])), "invalid", "circuit.vk_sha256")

    # The proof and its instances.
    case("proof_byte_flipped", "two_io", mut(t, lambda b: (
        b["proof"]["proof"].__setitem__(99, b["proof"]["proof"][99] ^ 1),
        b["proof"].update(hex_proof="0x" + bytes(b["proof"]["proof"]).hex()))),
        "invalid", "proof", "does not verify")
    case("extra_instance", "two_io", mut(t, lambda b: b["proof"]["instances"][0].append(
        "00" * 32)), "invalid", "proof.instances", "public instances")
    n_in = sum(len(i["values"]) for i in t["inputs"])
    # The first score (the first public output) moved; the claims follow.
    case("output_instance_edited_claims_follow", "two_io", mut(t, lambda b: (
        b["proof"]["instances"][0].__setitem__(n_in, felt_add(b["proof"]["instances"][0][n_in],
                                                              2 ** 9)),
        follow_instances(b, "two_io"))), "invalid", "proof", "does not verify")
    # The second token id (instance 4: after x's three values) changed to 7; the claims follow.
    case("int_input_instance_edited_claims_follow", "two_io", mut(t, lambda b: (
        b["proof"]["instances"][0].__setitem__(4, (7).to_bytes(32, "little").hex()),
        follow_instances(b, "two_io"))), "invalid", "proof", "does not verify")
    # Two scores of one row 2^60 and 2^60 + 1 (beyond a double's precision), claimed as exact
    # integers: the claims follow what Python decides, whatever its argmax does with a near-tie.
    def huge(b: dict[str, Any]) -> None:
        inst = b["proof"]["instances"][0]
        scale = json.loads((HERE / "circuits" / "two_io" / "settings.json").read_text())[
            "model_output_scales"][0]
        for k, v in ((0, 2 ** 60), (1, 2 ** 60 + 1)):
            inst[n_in + k] = (v * 2 ** scale).to_bytes(32, "little").hex()
        follow_instances(b, "two_io")
        b["outputs"][0]["values"][:2] = [2 ** 60, 2 ** 60 + 1]
    case("huge_outputs_claims_follow", "two_io", mut(t, huge), "invalid", "proof",
         "does not verify")

    # Hashed inputs (one hash per input tensor) and hashed outputs.
    h = g["two_io_hashed"]
    case("hash_edited", "two_io_hashed", mut(h, lambda b: b["inputs"][1].update(
        hash=felt_add(b["inputs"][1]["hash"], 1))), "invalid", "inputs[1].hash")
    case("hashes_swapped", "two_io_hashed", mut(h, lambda b: (
        b["inputs"][0].update(hash=h["inputs"][1]["hash"]),
        b["inputs"][1].update(hash=h["inputs"][0]["hash"]))), "invalid", "inputs[0].hash")
    case("hash_null", "two_io_hashed", mut(h, lambda b: b["inputs"][1].update(hash=None)),
         "invalid", "inputs[1].hash")
    case("hash_uppercase", "two_io_hashed", mut(h, lambda b: b["inputs"][0].update(
        hash=b["inputs"][0]["hash"].upper())), "invalid", "inputs[0].hash")
    case("values_claimed_for_a_hashed_input", "two_io_hashed", mut(h, lambda b: b["inputs"][0].update(
        values=t["inputs"][0]["values"])), "invalid", "inputs[0].values", "not public")
    case("hashed_instance_edited_claims_follow", "two_io_hashed", mut(h, lambda b: (
        b["proof"]["instances"][0].__setitem__(1, felt_add(b["proof"]["instances"][0][1], 1)),
        follow_instances(b, "two_io_hashed"))), "invalid", "proof", "does not verify")
    case("weights_hash_edited", "two_io_hashed", mut(h, lambda b: (
        b["proof"]["instances"][0].__setitem__(2, felt_add(b["proof"]["instances"][0][2], 1)),
        follow_instances(b, "two_io_hashed"))), "invalid", "proof.instances",
        "weights are not the circuit's")
    o = g["two_io_out_hashed"]
    case("output_hash_edited", "two_io_out_hashed", mut(o, lambda b: b["outputs"][1].update(
        hash=felt_add(b["outputs"][1]["hash"], 1))), "invalid", "outputs[1].hash")
    case("output_hash_missing", "two_io_out_hashed", mut(o, lambda b: b["outputs"][0].pop(
        "hash")), "invalid", "outputs[0].hash")
    case("prediction_claimed_for_hashed_outputs", "two_io_out_hashed", mut(
        o, lambda b: b["outputs"][0].update(prediction=[0, 0])), "invalid", "outputs[0].prediction")
    case("output_hash_instance_edited_claims_follow", "two_io_out_hashed", mut(o, lambda b: (
        b["proof"]["instances"][0].__setitem__(-1, felt_add(b["proof"]["instances"][0][-1], 1)),
        follow_instances(b, "two_io_out_hashed"))), "invalid", "proof", "does not verify")

    # Booleans are claimed as booleans.
    m = g["bool_in"]
    case("bool_claimed_as_1", "bool_in", mut(m, lambda b: b["inputs"][1]["values"].__setitem__(
        0, 1)), "invalid", "inputs[1].values")
    case("bool_claimed_as_1_0", "bool_in", mut(m, lambda b: b["inputs"][1]["values"].__setitem__(
        0, 1.0)), "invalid", "inputs[1].values")
    case("bool_claimed_as_string", "bool_in", mut(m, lambda b: b["inputs"][1]["values"].__setitem__(
        0, "true")), "invalid", "inputs[1].values")
    case("bool_flipped", "bool_in", mut(m, lambda b: b["inputs"][1]["values"].__setitem__(
        1, True)), "invalid", "inputs[1].values")
    case("bool_instance_edited_claims_follow", "bool_in", mut(m, lambda b: (
        b["proof"]["instances"][0].__setitem__(5, (1).to_bytes(32, "little").hex()),
        follow_instances(b, "bool_in"))), "invalid", "proof", "does not verify")
    # A mask element set to 2: no longer a boolean, so the claims follow as the integer 2.
    case("bool_instance_set_to_2_claims_follow", "bool_in", mut(m, lambda b: (
        b["proof"]["instances"][0].__setitem__(4, (2).to_bytes(32, "little").hex()),
        follow_instances(b, "bool_in"))), "invalid", "proof", "does not verify")

    # No input at all.
    n = g["no_input"]
    case("no_input_extra_input_entry", "no_input", mut(n, lambda b: b["inputs"].append(
        {"name": "x", "dtype": "float32", "shape": [1], "values": [0.0], "hash": None})),
        "invalid", "inputs")
    case("no_input_inputs_null", "no_input", mut(n, lambda b: b.update(inputs=None)),
         "invalid", "inputs")
    case("no_input_output_edited", "no_input", mut(n, lambda b: b["outputs"][0]["values"].__setitem__(
        0, b["outputs"][0]["values"][0] + 1.0)), "invalid", "outputs[0].values")

    # The single-I/O classifier of card/2, and bundles of the first format.
    s = g["v2_tiny"]
    case("tiny_prediction_edited", "v2_tiny", mut(s, lambda b: b["outputs"][0].update(
        prediction=1 - b["outputs"][0]["prediction"])), "invalid", "outputs[0].prediction")
    case("tiny_prediction_boolean", "v2_tiny", mut(s, lambda b: b["outputs"][0].update(
        prediction=bool(b["outputs"][0]["prediction"]))), "invalid", "outputs[0].prediction")
    case("tiny_prediction_as_list", "v2_tiny", mut(s, lambda b: b["outputs"][0].update(
        prediction=[b["outputs"][0]["prediction"]])), "invalid", "outputs[0].prediction")
    case("v1_bundle_prediction_edited", "v2_tiny", mut(as_v1(s), lambda b: b.update(
        prediction=1 - b["prediction"])), "invalid", "prediction")
    case("v1_bundle_with_a_circuit_id", "v2_tiny", mut(as_v1(s), lambda b: b["circuit"].update(
        id=s["circuit"]["id"])), "invalid", "circuit.id", "unknown field")
    case("v1_bundle_on_two_outputs", "two_io", as_v1(t), "invalid", "format", "cannot state")
    case("v2_bundle_on_another_circuit", "v2_tiny", t, "invalid", "circuit.model_sha256")
    case("format_3", "two_io", mut(t, lambda b: b.update(format="zkverify.proof-bundle/3")),
         "error")

    # Python checks Freivalds proofs; the page refuses the circuit before looking at any claim.
    assert freivalds("two_io_freivalds") > 0 and not any(freivalds(c) for c in CIRCUITS[:-1])
    refusal = {"verdict": "error", "field": None, "reason": "Freivalds' algorithm"}
    f = g["two_io_freivalds"]
    valid("freivalds_valid", "two_io_freivalds", f)
    case("freivalds_output_edited", "two_io_freivalds", mut(f, lambda b: b["outputs"][1][
        "values"].__setitem__(0, b["outputs"][1]["values"][0] + 0.25)), "invalid",
        "outputs[1].values")
    case("freivalds_proof_byte_flipped", "two_io_freivalds", mut(f, lambda b: (
        b["proof"]["proof"].__setitem__(99, b["proof"]["proof"][99] ^ 1),
        b["proof"].update(hex_proof="0x" + bytes(b["proof"]["proof"]).hex()))),
        "invalid", "proof", "does not verify")
    for c in cases[-3:]:
        c["expect_page"] = refusal

    for c in cases:
        (HERE / "cases" / f"{c['name']}.json").write_text(json.dumps(c) + "\n")
    print(f"wrote {len(cases)} v2 cases and {len(CIRCUITS)} v2 circuits")
