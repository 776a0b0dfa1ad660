"""Every visibility decodes to exactly what the proof commits to, and nothing else verifies.

ezkl's instance layout ([input hash] [params hash] [public inputs] [public outputs] [output
hash]) was measured for each combination; these tests pin it with real proofs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from zkverify.circuit import build
from zkverify.cli import cli
from zkverify.exporting import run_onnx
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.proving import prove
from zkverify.verifying import verify_bundle

from .conftest import TINY_RUN_ARGS, tiny_config


def claiming(bundle: ProofBundle, key: str = "outputs", **entry: object) -> ProofBundle:
    """A copy of the bundle whose first ``key`` entry states ``entry`` (values, prediction, …)."""
    first = getattr(bundle, key)[0].model_copy(update=entry)
    return bundle.model_copy(update={key: [first, *getattr(bundle, key)[1:]]})

# Poseidon hashing needs more rows than the plain tiny circuit.
HASH_RUN_ARGS = {**TINY_RUN_ARGS, "logrows": 12}


@pytest.fixture(scope="module")
def float_output(tiny_circuit: CircuitDir) -> tuple[list[float], list[float]]:
    x = json.loads(tiny_circuit.input.read_text())["input_data"][0]
    y = run_onnx(tiny_circuit.onnx, [np.asarray(x, np.float32).reshape(1, 4)])[0].reshape(-1)
    return x, y.tolist()


@pytest.mark.parametrize("inp, out, param", [
    ("hashed", "public", "fixed"),
    ("public", "public", "hashed"),
    ("public", "hashed", "fixed"),
    ("private", "public", "fixed"),
    ("public", "private", "hashed"),
])
def test_visibility_decodes_what_the_proof_commits_to(
        tiny_circuit: CircuitDir, tmp_path: Path, float_output: tuple[list[float], list[float]],
        inp: str, out: str, param: str) -> None:
    cfg = tiny_config(input_visibility=inp, output_visibility=out, param_visibility=param,
                      run_args=dict(HASH_RUN_ARGS))
    res = build(tiny_circuit.onnx, tmp_path / "c", cfg)
    assert res.manifest.visibility == {"input": inp, "output": out, "param": param}
    bundle = prove(res.circuit.path, tiny_circuit.input, tmp_path / "p.json")
    x, y = float_output
    if inp == "public":
        assert bundle.input_values is not None
        assert np.allclose(bundle.input_values, [x], atol=1 / 2**6)
    else:
        assert bundle.input_values is None
    if out == "public":
        assert bundle.output_values is not None
        assert np.allclose(bundle.output_values, [y], atol=0.1)
        assert bundle.prediction == int(np.argmax(y))
    else:
        assert bundle.output_values is None and bundle.prediction is None
    assert verify_bundle(res.circuit, bundle).valid
    # Claims the proof does not make never verify.
    lie = claiming(bundle, values=[9.0, -9.0], prediction=0)
    assert not verify_bundle(res.circuit, lie).valid
    lie = claiming(bundle, "inputs", values=[0.0, 0.0, 0.0, 0.0])
    assert not verify_bundle(res.circuit, lie).valid
    lie = bundle.model_copy(update={"visibility": {"input": "public", "output": "public",
                                                   "param": "fixed"}})
    assert not verify_bundle(res.circuit, lie).valid


def test_run_arg_visibility_cannot_disagree_with_the_manifest(tiny_circuit: CircuitDir,
                                                              tmp_path: Path) -> None:
    """--run-arg output_visibility=private wins over the option default: the manifest says so."""
    args = [f"--run-arg={k}={v}" for k, v in TINY_RUN_ARGS.items()]
    r = CliRunner().invoke(cli, ["build", str(tiny_circuit.onnx), "-o", str(tmp_path / "c"),
                                 "--no-calibrate", *args, "--run-arg=output_visibility=private"])
    assert r.exit_code == 0, r.stderr
    cd = CircuitDir(tmp_path / "c")
    assert cd.load_manifest().visibility["output"] == "private"
    bundle = prove(cd.path, tiny_circuit.input)
    assert bundle.output_values is None and bundle.prediction is None
    lie = claiming(bundle, values=[0.0, 0.1], prediction=1)
    v = verify_bundle(cd, lie)
    assert not v.valid and "outputs" in v.reason


def test_prediction_type_must_match(tiny_circuit: CircuitDir, tiny_bundle: ProofBundle) -> None:
    for fake in (bool(tiny_bundle.prediction), float(tiny_bundle.prediction),
                 str(tiny_bundle.prediction), [tiny_bundle.prediction]):
        v = verify_bundle(tiny_circuit, claiming(tiny_bundle, prediction=fake))
        assert not v.valid and "prediction" in v.reason, fake


def test_outputs_shape_must_match(tiny_circuit: CircuitDir, tiny_bundle: ProofBundle) -> None:
    assert tiny_bundle.output_values is not None
    out = tiny_bundle.outputs[0]
    regrouped = [out.model_copy(update={"values": [v], "shape": [1, 1]})
                 for v in tiny_bundle.output_values[0]]
    v = verify_bundle(tiny_circuit, tiny_bundle.model_copy(update={"outputs": regrouped}))
    assert not v.valid and v.field == "outputs"
    reshaped = claiming(tiny_bundle, shape=[2, 1])
    v = verify_bundle(tiny_circuit, reshaped)
    assert not v.valid and v.field == "outputs[0].shape"


@pytest.mark.parametrize("felt", ["ff" * 32, "zz" * 32, "00", 7])
def test_instances_that_are_not_field_elements(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                               tmp_path: Path, felt: object) -> None:
    """ezkl panics on these; zkverify answers invalid, one line, exit 1."""
    data = json.loads(tiny_bundle_path.read_text())
    data["proof"]["instances"][0][0] = felt
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    r = CliRunner().invoke(cli, ["verify", str(tiny_circuit.path), str(bad)])
    assert r.exit_code == 1, r.output
    assert r.stdout.startswith("invalid: ") and "field elements" in r.stdout
    assert "Traceback" not in r.output and "panicked" not in r.output


def test_evm_verify_rejects_edited_claims(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                          tmp_path: Path) -> None:
    """The chain accepts the untouched proof; the bundle's lie about it is still invalid."""
    data = json.loads(tiny_bundle_path.read_text())
    data["outputs"][0]["values"] = [-5.0, 9.0]
    data["outputs"][0]["prediction"] = 1
    bad = tmp_path / "claim.json"
    bad.write_text(json.dumps(data))
    r = CliRunner().invoke(cli, ["evm", "verify", str(tiny_circuit.path), str(bad), "--json"])
    assert r.exit_code == 1, r.output
    v = json.loads(r.stdout)
    assert v["valid"] is False and "outputs" in v["reason"]
