"""Every exploit the soundness review found, kept as a test (docs/SECURITY.md, docs/VERDICT.md).

Each test attacks a path that can say `valid` the way a prover who controls the bundle would,
through the CLI where the hole was found, and checks the answer is invalid (exit 1), names the
field, and echoes nothing the bundle claims.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zkverify import evm
from zkverify.card import CEREMONY_SRS_SHA256, Card
from zkverify.circuit import build
from zkverify.cli import cli
from zkverify.errors import UsageError
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.proving import prove
from zkverify.solc import compile_sources
from zkverify.verdict import felt_int
from zkverify.verifying import verify_bundle

from .conftest import tiny_config

VECTORS = Path(__file__).parent / "conformance"


def run(*args: Any) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def write(tmp: Path, data: dict[str, Any], name: str = "bundle.json") -> Path:
    (tmp / name).write_text(json.dumps(data))
    return tmp / name


@pytest.fixture()
def genuine(tiny_bundle_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(tiny_bundle_path.read_text())
    return data


def test_hole1_evm_verify_forged_vk_hash_and_claims(tiny_circuit: CircuitDir,
                                                    genuine: dict[str, Any],
                                                    tmp_path: Path) -> None:
    """The review's reproduction: vk hash zeroed, prediction 7, one output edited."""
    genuine["circuit"]["vk_sha256"] = "0" * 64
    genuine["outputs"][0]["prediction"] = 7
    genuine["outputs"][0]["values"][0] += 1.0
    forged = write(tmp_path, genuine)
    for cmd in (("evm", "verify"), ("verify",)):
        code, out, _ = run(*cmd, tiny_circuit.path, forged, "--json")
        v = json.loads(out)
        assert code == 1 and v["valid"] is False, cmd
        assert v["field"] == "circuit.vk_sha256" and "another circuit" in v["reason"]
        assert v["prediction"] is None and v["outputs"] is None  # nothing claimed is echoed


def test_evm_verify_edited_prediction_alone(tiny_circuit: CircuitDir, genuine: dict[str, Any],
                                            tmp_path: Path) -> None:
    genuine["outputs"][0]["prediction"] = 1 - genuine["outputs"][0]["prediction"]
    code, out, _ = run("evm", "verify", tiny_circuit.path, write(tmp_path, genuine))
    assert code == 1
    assert out.startswith("invalid: verifyProof on in-process EVM not called (SRS: local-dev)\n")
    assert "outputs[0].prediction: does not follow from the proven outputs" in out


def test_evm_verify_rpc_invalid_proof(tiny_circuit: CircuitDir, genuine: dict[str, Any],
                                      tmp_path: Path) -> None:
    from .evm_fixtures import anvil

    genuine["proof"]["proof"][99] ^= 1
    genuine["proof"]["hex_proof"] = "0x" + bytes(genuine["proof"]["proof"]).hex()
    with anvil("--hardfork", "cancun") as node:
        code, out, _ = run("evm", "verify", tiny_circuit.path, write(tmp_path, genuine),
                           "--rpc", node.url, "--json")
    v = json.loads(out)
    assert code == 1 and v["valid"] is False and v["field"] == "proof"
    assert "reverted" in v["reason"] and v["backend"] == "rpc" and v["gas"] > 21_000


def test_hole2_other_weights_under_hashed_params(tmp_path: Path) -> None:
    """Other weights, the circuit's settings and pk: a proof ezkl accepts, refused by its
    params hash (the vector was made by tests/conformance/generate.py)."""
    case = json.loads((VECTORS / "cases" / "weights_swapped_under_hashed_params.json").read_text())
    circuit = VECTORS / "circuits" / "tiny_hashed"
    bundle = write(tmp_path, case["bundle"])
    code, out, _ = run("verify", circuit, bundle, "--json")
    v = json.loads(out)
    assert code == 1 and v["field"] == "proof.instances"
    assert "weights are not the circuit's" in v["reason"]
    # The proof itself is a genuine proof under this vk: only the params hash tells.
    import ezkl

    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(case["bundle"]["proof"]))
    assert ezkl.verify(proof_path=str(proof), settings_path=str(circuit / "settings.json"),
                       vk_path=str(circuit / "vk.key"), srs_path=str(circuit / "kzg.srs"))
    card = Card.load(circuit / "card.json")
    assert card.param_hashes and card.param_hashes[0] not in case["bundle"]["proof"]["instances"][0]


def test_hole2_unbound_weights_refused_unless_asked(tiny_circuit: CircuitDir,
                                                   tmp_path: Path) -> None:
    for vis in ("private", "polycommit"):
        with pytest.raises(UsageError, match="weights would not be bound"):
            build(tiny_circuit.onnx, tmp_path / vis, tiny_config(param_visibility=vis))
        assert not (tmp_path / vis).exists()
    code, _, err = run("build", tiny_circuit.onnx, "-o", tmp_path / "c", "--no-calibrate",
                       "--param-visibility", "private")
    assert code == 2 and err.count("\n") == 1 and "--allow-unbound-weights" in err
    res = build(tiny_circuit.onnx, tmp_path / "c",
                tiny_config(param_visibility="private", allow_unbound_weights=True))
    bundle = prove(res.circuit.path, tiny_circuit.input, tmp_path / "p.json")
    v = verify_bundle(res.circuit, bundle)
    assert v.valid and v.weights_bound is False
    assert any("weights are not bound" in w for w in v.warnings)
    code, out, err = run("verify", res.circuit.path, tmp_path / "p.json")
    assert code == 0 and "weights are not bound" in err


def test_hole3_srs_is_part_of_the_identity(circuit_copy: CircuitDir, tiny_bundle_path: Path,
                                           tmp_path: Path) -> None:
    srs = bytearray(circuit_copy.srs.read_bytes())
    srs[-1] ^= 1
    circuit_copy.srs.chmod(0o644)
    circuit_copy.srs.unlink()  # a hard link into the cache: replace, never write through
    circuit_copy.srs.write_bytes(bytes(srs))
    for cmd in (("verify",), ("evm", "verify")):
        code, out, err = run(*cmd, circuit_copy.path, tiny_bundle_path)
        assert code == 2 and out == "", cmd
        assert "kzg.srs: does not match" in err and err.count("\n") == 1


def test_hole3_srs_provenance_and_policy(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                         tmp_path: Path) -> None:
    code, out, _ = run("verify", tiny_circuit.path, tiny_bundle_path, "--json")
    v = json.loads(out)
    assert code == 0 and v["srs"] == "local-dev" and v["policy"] is None
    assert v["srs_sha256"] == tiny_circuit.load_manifest().artifacts["kzg.srs"]
    for cmd in (("verify",), ("evm", "verify")):
        code, out, _ = run(*cmd, tiny_circuit.path, tiny_bundle_path, "--require-ceremony-srs",
                           "--json")
        v = json.loads(out)
        assert code == 4 and v["valid"] is True and "not the KZG ceremony" in v["policy"], cmd
    code, out, _ = run("verify", tiny_circuit.path, tiny_bundle_path, "--require-ceremony-srs")
    assert code == 4 and out.startswith("valid: ") and "\nrefused: --require-ceremony-srs" in out
    card = Card.load(tiny_circuit.card)
    # "ceremony" is decided by ezkl's published hashes alone, never by what the card says.
    assert card.srs_provenance(CEREMONY_SRS_SHA256[10]) == "ceremony"
    user = card.model_copy(update={"srs": card.srs.model_copy(update={"source": "user"})})
    assert user.srs_provenance() == "user-supplied"
    fake = card.model_copy(update={"srs": card.srs.model_copy(update={"source": "ceremony"})})
    assert fake.srs_provenance() == "user-supplied"


def test_hole4_claims_are_exact(tiny_circuit: CircuitDir, genuine: dict[str, Any],
                                tmp_path: Path) -> None:
    genuine["outputs"][0]["values"][0] += 4e-10
    code, out, _ = run("verify", tiny_circuit.path, write(tmp_path, genuine), "--json")
    v = json.loads(out)
    assert code == 1 and v["field"] == "outputs[0].values" and v["prediction"] is None


def test_hole6_proof_hash_is_canonical_and_what_a_contract_computes(
        tiny_bundle: ProofBundle) -> None:
    import pyrevm

    src = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract H {
    function h(bytes calldata proof, uint256[] calldata instances) external pure returns (bytes32) {
        return sha256(abi.encodePacked(proof, instances));
    }
}"""
    c = compile_sources({"H.sol": src})["H"]
    e = pyrevm.EVM(spec_id="CANCUN")
    who = "0x" + "11" * 20
    e.set_balance(who, 10**20)
    at = e.deploy(who, c.bytecode, gas=5_000_000)
    p = tiny_bundle.proof
    instances = [felt_int(f) for col in p["instances"] for f in col]
    out = e.message_call(who, at, evm.encode_call(c.selector("h(bytes,uint256[])"),
                                                 bytes(p["proof"]), instances))
    assert bytes(out).hex() == tiny_bundle.proof_hash()
    # The prover's free-form fields do not move it; the proof bytes do.
    free = copy.deepcopy(p)
    free.update(timestamp=0, pretty_public_inputs=None, hex_proof=p["hex_proof"].upper())
    assert tiny_bundle.model_copy(update={"proof": free}).proof_hash() == tiny_bundle.proof_hash()
    moved = copy.deepcopy(p)
    moved["proof"][0] ^= 1
    assert tiny_bundle.model_copy(update={"proof": moved}).proof_hash() != tiny_bundle.proof_hash()


def test_verdict_is_falsy_when_invalid(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                       genuine: dict[str, Any]) -> None:
    assert verify_bundle(tiny_circuit.path, tiny_bundle_path)
    genuine["outputs"][0]["prediction"] = 1 - genuine["outputs"][0]["prediction"]
    v = verify_bundle(tiny_circuit.path, genuine)
    assert not v and v.exit_code == 1 and v.field == "outputs[0].prediction"


def test_public_files_alone_verify(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                   tmp_path: Path) -> None:
    """What a node publishes (card, settings, vk, SRS) is enough; the model is not needed."""
    import shutil

    pub = tmp_path / "public"
    pub.mkdir()
    for name in ("card.json", "settings.json", "vk.key", "kzg.srs"):
        shutil.copyfile(tiny_circuit.file(name), pub / name)
    code, out, _ = run("verify", pub, tiny_bundle_path, "--json")
    v = json.loads(out)
    assert code == 0 and v["circuit"] == "tiny_mlp"
    assert v["circuit_id"] == Card.load(pub / "card.json").circuit_id
    (pub / "card.json").unlink()
    code, _, err = run("verify", pub, tiny_bundle_path)
    assert code == 2 and "card.json: missing" in err
