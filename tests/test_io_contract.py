"""Issue 12: every input/output kind ezkl proves, through every command, each tampered once.

Circuits (built once per module, tiny run args): ``two`` (x float32 [1,3] + ids int64 [1,2] ->
scores [1,2] declared class scores + total [1,1] values), ``masked`` (x + a bool mask), ``noin``
(no input), and ``two_hashed`` (two's model with hashed inputs: one hash instance per tensor).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from zkverify.circuit import build
from zkverify.cli import cli
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.proving import Prover
from zkverify.verifying import verify_bundle

from .conftest import tiny_config
from .io_models import export_all

TWO_EZKL = {"input_data": [[0.5, -0.25, 1.0], [1, 5]], "input_shapes": [[1, 3], [1, 2]],
            "output_data": [[7, -3], [4]]}  # ezkl's own file: shapes ignored, outputs counted


def run(*args: Any) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def onnx_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return export_all(tmp_path_factory.mktemp("onnx"))


@pytest.fixture(scope="module")
def io(tmp_path_factory: pytest.TempPathFactory, onnx_models: dict[str, Path]
       ) -> dict[str, CircuitDir]:
    root = tmp_path_factory.mktemp("io")
    onnx = onnx_models
    out = {
        "two": build(onnx["two"], root / "two", tiny_config(
            name="two", classifier=None, classifier_outputs=("scores",))).circuit,
        "masked": build(onnx["masked"], root / "masked", tiny_config(
            name="masked", classifier=None)).circuit,
        "noin": build(onnx["noin"], root / "noin", tiny_config(
            name="noin", classifier=None)).circuit,
        "two_hashed": build(onnx["two"], root / "two_hashed", tiny_config(
            name="two_hashed", classifier=None, classifier_outputs=("scores",),
            input_visibility="hashed")).circuit,
    }
    return out


def write(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj))
    return path


def verdict_field(cd: CircuitDir, bundle: dict[str, Any]) -> str | None:
    v = verify_bundle(cd, bundle)
    assert not v.valid
    return v.field


# --- the card and the bundle --------------------------------------------------------------------


def test_card_names_every_tensor_with_dtype_and_rule(io: dict[str, CircuitDir]) -> None:
    card = json.loads(io["two"].card.read_text())
    assert card["format"] == "zkverify.card/2" and "prediction" not in card
    assert card["inputs"] == [{"name": "x", "dtype": "float32", "shape": [1, 3]},
                              {"name": "ids", "dtype": "int64", "shape": [1, 2]}]
    assert card["outputs"] == [
        {"name": "scores", "dtype": "float32", "shape": [1, 2], "prediction": "argmax"},
        {"name": "total", "dtype": "float32", "shape": [1, 1], "prediction": "values"}]
    # ezkl gives integer and boolean inputs scale 0: their values stay integers end to end.
    assert io["two"].settings_json()["model_input_scales"][1] == 0
    noin = json.loads(io["noin"].card.read_text())
    assert noin["inputs"] == [] and noin["outputs"][0]["shape"] == [1, 3]


def test_two_inputs_every_file_form_proves_the_same(io: dict[str, CircuitDir],
                                                    tmp_path: Path) -> None:
    cd = io["two"]
    named = write(tmp_path / "named.json", {"inputs": {"ids": [[1, 5.0]], "x": [0.5, -0.25, 1]}})
    np.savez(tmp_path / "in.npz", x=np.array([[0.5, -0.25, 1.0]], np.float32),
             ids=np.array([[1, 5]], np.int64))
    bundles = []
    for src in (write(tmp_path / "ezkl.json", TWO_EZKL), named, tmp_path / "in.npz"):
        code, out, err = run("prove", cd.path, src, "-o", tmp_path / f"{src.stem}.proof.json",
                             "--json")
        assert code == 0, err
        bundles.append(json.loads((tmp_path / f"{src.stem}.proof.json").read_text()))
    first = bundles[0]
    assert first["format"] == "zkverify.proof-bundle/2" and first["kind"] == "single"
    assert [(t["name"], t["dtype"], t["values"]) for t in first["inputs"]] == [
        ("x", "float32", [0.5, -0.25, 1.0]), ("ids", "int64", [1, 5])]
    scores, total = first["outputs"]
    assert scores["prediction"] == int(np.argmax(scores["values"])) and total["prediction"] is None
    for b in bundles[1:]:  # the same input in every form: the same proven claims
        assert b["inputs"] == first["inputs"] and b["outputs"] == first["outputs"]
    code, out, _ = run("verify", cd.path, tmp_path / "ezkl.proof.json", "--json")
    v = json.loads(out)
    assert code == 0 and v["valid"] and v["input_names"] == ["x", "ids"]
    assert v["by_output"] == {"scores": scores["prediction"], "total": total["values"]}
    assert v["prediction"] == v["by_output"]  # several outputs: all of them, by name
    # Tampered once: the second output's value edited.
    bad = copy.deepcopy(first)
    bad["outputs"][1]["values"][0] += 1
    code, out, _ = run("verify", cd.path, write(tmp_path / "bad.json", bad), "--json")
    assert code == 1 and json.loads(out)["field"] == "outputs[1].values"


@pytest.mark.parametrize("data, needle", [
    ({"inputs": {"x": [0.1, 0.2, 0.3], "ids": [[1, 2.5]]}},
     "input 'ids': value #1 is 2.5, the input is int64"),
    ({"inputs": {"x": [0.1, 0.2, 0.3]}}, "no input 'ids'"),
    ({"inputs": {"x": [0.1, 0.2, 0.3], "ids": [1, 2], "z": [1]}}, "unknown input 'z'"),
    ({"input_data": [[0.1, 0.2, 0.3]]}, "the model has 2 inputs, input_data has 1 list"),
    ({"input_data": [[0.1, 0.2, 0.3], [1, 2]], "output_data": [[1, 2]]},
     "output_data has 1 lists, the model has 2 outputs"),
    ([0.1, 0.2, 0.3, 1, 2], "the model has 2 inputs (x, ids)"),
])
def test_bad_inputs_are_one_line_exit_2(io: dict[str, CircuitDir], tmp_path: Path,
                                        data: Any, needle: str) -> None:
    out = tmp_path / "p.json"
    code, _, err = run("prove", io["two"].path, write(tmp_path / "in.json", data), "-o", out)
    assert code == 2 and needle in err and "Traceback" not in err, err
    assert len([ln for ln in err.splitlines() if ln.startswith("error:")]) == 1
    assert not out.exists()


def test_boolean_input_keeps_its_type(io: dict[str, CircuitDir], tmp_path: Path) -> None:
    cd = io["masked"]
    bundle = Prover(cd).prove_file(write(tmp_path / "in.json", {
        "inputs": {"x": [1, 2, 3, 4], "mask": [True, False, 1, 0.0]}}))
    raw = bundle.model_dump(mode="json")
    mask = raw["inputs"][1]
    assert (mask["name"], mask["dtype"], mask["values"]) == ("mask", "bool",
                                                             [True, False, True, False])
    v = verify_bundle(cd, raw)
    assert v.valid and v.inputs is not None and v.inputs[1] == [True, False, True, False]
    # Tampered once: the same mask as numbers is not what was proven (a bool is not 1).
    raw["inputs"][1]["values"] = [1, 0, 1, 0]
    assert verdict_field(cd, raw) == "inputs[1].values"
    with pytest.raises(Exception, match="mask.*value #0 is 2.0, the input is bool"):
        Prover(cd).prove_file(write(tmp_path / "b.json", {"inputs": {"x": [1, 2, 3, 4],
                                                                     "mask": [2, 0, 1, 0]}}))


def test_no_input_model(io: dict[str, CircuitDir], tmp_path: Path) -> None:
    cd = io["noin"]
    code, out, err = run("prove", cd.path, write(tmp_path / "in.json", {"input_data": [[]]}),
                         "-o", tmp_path / "p.json", "--json")
    assert code == 0, err
    raw = json.loads((tmp_path / "p.json").read_text())
    assert raw["inputs"] == [] and len(raw["outputs"][0]["values"]) == 3
    v = verify_bundle(cd, raw)
    assert v.valid and v.prediction == raw["outputs"][0]["values"]
    raw["outputs"][0]["values"][0] = -raw["outputs"][0]["values"][0] - 1
    assert verdict_field(cd, raw) == "outputs[0].values"


def test_hashed_inputs_one_hash_per_tensor(io: dict[str, CircuitDir], tmp_path: Path) -> None:
    cd = io["two_hashed"]
    raw = Prover(cd).prove_file(write(tmp_path / "in.json", TWO_EZKL)).model_dump(mode="json")
    assert [t["values"] for t in raw["inputs"]] == [None, None]
    hashes = [t["hash"] for t in raw["inputs"]]
    flat = [f for col in raw["proof"]["instances"] for f in col]
    assert flat[:2] == hashes and hashes[0] != hashes[1]  # [input hashes] come first, in order
    v = verify_bundle(cd, raw)
    assert v.valid and v.input_hashes == hashes and v.inputs is None
    raw["inputs"][0]["hash"], raw["inputs"][1]["hash"] = hashes[1], hashes[0]
    assert verdict_field(cd, raw) == "inputs[0].hash"


def test_evm_verify_two_outputs(io: dict[str, CircuitDir], tmp_path: Path) -> None:
    cd = io["two"]
    path = tmp_path / "p.json"
    Prover(cd).prove_file(write(tmp_path / "in.json", TWO_EZKL), path)
    code, out, err = run("evm", "verify", cd.path, path, "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["valid"] and d["by_output"]["scores"] in (0, 1)
    raw = json.loads(path.read_text())
    raw["outputs"][0]["prediction"] = 1 - raw["outputs"][0]["prediction"]
    code, out, _ = run("evm", "verify", cd.path, write(tmp_path / "bad.json", raw), "--json")
    assert code == 1 and json.loads(out)["field"] == "outputs[0].prediction"


def test_batch_jsonl_and_npz_with_a_batch_axis(io: dict[str, CircuitDir], tmp_path: Path) -> None:
    cd = io["two"]
    lines = [json.dumps({"inputs": {"x": [0.1, 0.2, 0.3], "ids": [1, 2]}}),
             json.dumps(TWO_EZKL),
             json.dumps({"inputs": {"x": [0.1, 0.2, 0.3], "ids": [1, 2.5]}})]  # a bad line
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    code, out, err = run("prove", cd.path, tmp_path / "in.jsonl", "-o", tmp_path / "j", "--json")
    s = json.loads(out)
    assert code == 1 and (s["ok"], s["failed"]) == (2, 1), err
    assert "value #1 is 2.5" in s["failures"][0]["error"]
    np.savez(tmp_path / "b.npz", x=np.array([[0.1, 0.2, 0.3], [0.5, -0.25, 1.0]], np.float32),
             ids=np.array([[1, 2], [1, 5]]))
    code, out, err = run("prove", cd.path, tmp_path / "b.npz", "-o", tmp_path / "n", "--json")
    assert code == 0 and json.loads(out)["ok"] == 2, err
    for i in range(2):  # the .npz rows are the same inputs as the .jsonl's first two lines
        a = ProofBundle.load(tmp_path / "j" / f"proof-{i:06d}.json")
        b = ProofBundle.load(tmp_path / "n" / f"proof-{i:06d}.json")
        assert verify_bundle(cd, b).valid and a.model_dump()["outputs"] == b.model_dump()["outputs"]


def test_ezkl_file_as_calibration_data(onnx_models: dict[str, Path], tmp_path: Path) -> None:
    onnx = onnx_models["two"]
    cal = write(tmp_path / "cal.json", {
        "input_data": [[0.5, -0.25, 1.0, 0.1, 0.2, 0.3], [1, 5, 2, 3]],
        "input_shapes": [[1, 3], [1, 2]], "output_data": [[0, 0, 0, 0], [0, 0]]})
    res = build(onnx, tmp_path / "c", tiny_config(name="cal", classifier=None,
                                                  classifier_outputs=("scores",),
                                                  calibration_data=cal))
    q = res.manifest.quantization
    assert q["samples"] == 2 and set(q["per_output"]) == {"scores", "total"}
    assert q["argmax_agreement"] is not None  # over the declared class scores only
    assert res.manifest.calibration["data"] == str(cal)


def test_classifier_must_be_named_among_several_outputs(onnx_models: dict[str, Path], tmp_path: Path) -> None:
    onnx = onnx_models["two"]
    code, _, err = run("build", onnx, "-o", tmp_path / "c", "--no-calibrate", "--classifier",
                       "nope")
    assert code == 2 and "--classifier nope: no such output (the model's outputs: scores, total)" in err


def test_service_infer_and_verify_named_inputs(io: dict[str, CircuitDir], tmp_path: Path) -> None:
    import httpx

    from .service_fixtures import TOKEN, ThreadServer

    with ThreadServer([io["two"].path, io["masked"].path], tmp_path / "db.sqlite") as srv:
        listing = httpx.get(f"{srv.url}/v1/circuits").json()
        two = next(c for c in listing if c["name"] == "two")
        assert [t["name"] for t in two["inputs"]] == ["x", "ids"]
        r = httpx.post(f"{srv.url}/v1/circuits/two/infer", headers={
            "Authorization": f"Bearer {TOKEN}"},
            json={"inputs": {"x": [0.5, -0.25, 1.0], "ids": [1, 5]}}, timeout=120)
        assert r.status_code == 200, r.text
        bundle = r.json()["bundle"]
        assert verify_bundle(io["two"], bundle).valid
        v = httpx.post(f"{srv.url}/v1/verify", json=bundle, timeout=60).json()
        assert v["valid"] and v["by_output"]["scores"] == bundle["outputs"][0]["prediction"]
        bundle["inputs"][1]["values"] = [1, 6]
        v = httpx.post(f"{srv.url}/v1/verify", json=bundle, timeout=60).json()
        assert not v["valid"] and v["field"] == "inputs[1].values"
        r = httpx.post(f"{srv.url}/v1/circuits/masked/infer", headers={
            "Authorization": f"Bearer {TOKEN}"}, json={"inputs": {"x": [1, 2, 3, 4],
                                                                  "mask": [1, 0, 1, 7]}})
        assert r.status_code == 422 and "the input is bool" in r.json()["detail"]


def test_estimate_two_input_model(onnx_models: dict[str, Path], tmp_path: Path) -> None:
    onnx = onnx_models["two"]
    code, out, err = run("estimate", onnx, "--json", "--max-logrows", "12")
    assert code == 0, err
    d = json.loads(out)
    # public instances: 3 + 2 inputs and 2 + 1 outputs
    assert d["public_instances"] == 8


KINDS = {"two": TWO_EZKL, "masked": {"inputs": {"x": [1, 2, 3, 4], "mask": [True, False, 1, 1]}},
         "noin": {"input_data": [[]]}, "two_hashed": TWO_EZKL}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_prove_verify_and_evm_verify_every_kind_tampered_once(io: dict[str, CircuitDir],
                                                              tmp_path: Path, kind: str) -> None:
    cd, path = io[kind], tmp_path / "p.json"
    code, _, err = run("prove", cd.path, write(tmp_path / "in.json", KINDS[kind]), "-o", path)
    assert code == 0, err
    for cmd in (("verify",), ("evm", "verify")):
        code, out, err = run(*cmd, cd.path, path, "--json")
        assert code == 0 and json.loads(out)["valid"], (cmd, err)
    raw = json.loads(path.read_text())
    raw["outputs"][0]["values"][0] += 0.5
    bad = write(tmp_path / "bad.json", raw)
    for cmd in (("verify",), ("evm", "verify")):
        code, out, _ = run(*cmd, cd.path, bad, "--json")
        assert code == 1 and json.loads(out)["field"] == "outputs[0].values", cmd


def test_tune_a_two_input_model(onnx_models: dict[str, Path], tmp_path: Path) -> None:
    from zkverify.tuning import SearchSpace, tune

    onnx = onnx_models["two"]
    res = tune(onnx, tmp_path / "tuned", tiny_config(name="t", classifier=None, calibrate=True,
                                                     classifier_outputs=("scores",), run_args={}),
               max_error=0.05, space=SearchSpace(scales=(6, 7), prove_top=1))
    assert res.chosen.status == "verified" and res.chosen.max_abs_error <= 0.05
    bundle = Prover(tmp_path / "tuned").prove_file(write(tmp_path / "in.json", TWO_EZKL))
    raw = bundle.model_dump(mode="json")
    assert verify_bundle(tmp_path / "tuned", raw).valid
    raw["inputs"][1]["values"] = [5, 1]
    assert verdict_field(CircuitDir(tmp_path / "tuned"), raw) == "inputs[1].values"


def test_symbolic_dimensions_resolve_as_ezkl_resolves_them(tmp_path: Path) -> None:
    import torch

    from zkverify.errors import ModelError
    from zkverify.tensors import graph_signature, variables_of

    from .io_models import Masked

    path = tmp_path / "dyn.onnx"
    torch.onnx.export(Masked(), (torch.randn(1, 4), torch.tensor([[True, False, True, True]])),
                      str(path), input_names=["x", "mask"], output_names=["y"], dynamo=False,
                      opset_version=18, dynamic_axes={"x": {0: "batch_size"},
                                                      "mask": {0: "batch_size"}})
    ins, outs = graph_signature(path)  # ezkl's default: batch_size = 1
    assert [(t.name, t.dtype, t.shape) for t in ins] == [("x", "float32", (1, 4)),
                                                         ("mask", "bool", (1, 4))]
    ins, _ = graph_signature(path, variables_of({"variables": [["batch_size", 3]]}))
    assert ins[0].shape == (3, 4) and outs[0].name == "y"
    torch.onnx.export(Masked(), (torch.randn(1, 4), torch.tensor([[True, False, True, True]])),
                      str(path), input_names=["x", "mask"], output_names=["y"], dynamo=False,
                      opset_version=18, dynamic_axes={"x": {0: "n"}, "mask": {0: "n"}})
    with pytest.raises(ModelError, match="symbolic dimension 'n'.*run_args.variables"):
        graph_signature(path)


def test_bundles_of_the_first_format_still_verify_everywhere(io: dict[str, CircuitDir],
                                                            tmp_path: Path) -> None:
    """A committed bundle/1 (tests/conformance) against its card/1 circuit, locally and on the
    EVM; a node takes the format too (it answers for the circuits it hosts, not 422)."""
    import httpx

    from .service_fixtures import ThreadServer

    root = Path(__file__).parent / "conformance"
    case = json.loads((root / "cases" / "valid.json").read_text())
    assert case["bundle"]["format"] == "zkverify.proof-bundle/1"
    path = write(tmp_path / "old.json", case["bundle"])
    public = root / "circuits" / case["circuit"]
    for cmd in (("verify",), ("evm", "verify")):
        code, out, err = run(*cmd, public, path, "--json")
        assert code == 0 and json.loads(out)["format"] == "zkverify.proof-bundle/1", (cmd, err)
    with ThreadServer([io["two"].path], tmp_path / "db.sqlite") as srv:
        r = httpx.post(f"{srv.url}/v1/verify", json=case["bundle"], timeout=60)
        assert r.status_code == 200 and r.json()["valid"] is False, r.text
        assert "not hosted" in r.json()["reason"] or "no circuit" in r.json()["reason"], r.text
