"""examples/contracts: PredictionOracle stores a prediction only when the proof verifies."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.evm_fixtures import change_last_output, flip_proof_byte
from zkverify import evm
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.proving import prove

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "contracts" / "oracle.py"


@pytest.fixture(scope="module")
def oracle_mod() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zkverify_oracle_example", EXAMPLE)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while it loads
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def tiny_verify_calldata(tiny_bundle_path: Path) -> bytes:
    return evm.calldata(ProofBundle.load(tiny_bundle_path))


@pytest.fixture()
def deployed(oracle_mod: ModuleType, tiny_circuit: CircuitDir,
             tiny_verify_calldata: bytes) -> Any:
    """A fresh EVM with the tiny circuit's verifier and an oracle over it."""
    n_instances = len(evm.decode_call(tiny_verify_calldata)[2])
    return oracle_mod.deploy(evm.load_verifier(tiny_circuit).contract.bytecode, n_instances, 2)


def assert_nothing_stored(d: Any) -> None:
    assert d.prediction_count() == 0 and d.prediction() == 0 and d.outputs() == []


def test_valid_proof_stores_the_prediction(deployed: Any, oracle_mod: ModuleType,
                                           tiny_verify_calldata: bytes,
                                           tiny_bundle: ProofBundle,
                                           tiny_circuit: CircuitDir) -> None:
    accepted, gas = deployed.submit(tiny_verify_calldata)
    assert accepted and gas > 500_000
    assert deployed.prediction_count() == 1
    assert deployed.prediction() == tiny_bundle.prediction
    # Stored outputs are the proven fixed-point values: the bundle's floats times 2^scale.
    scale = tiny_circuit.settings_json()["model_output_scales"][0]
    assert tiny_bundle.output_values is not None
    assert deployed.outputs() == [round(v * 2**scale) for v in tiny_bundle.output_values[0]]
    instances = evm.decode_call(tiny_verify_calldata)[2]
    assert deployed.outputs() == [oracle_mod.felt_to_int(f) for f in instances[-2:]]
    # Submitting again is accepted again and counted.
    assert deployed.submit(tiny_verify_calldata)[0] and deployed.prediction_count() == 2


def test_tampered_proof_reverts_and_stores_nothing(deployed: Any,
                                                   tiny_verify_calldata: bytes) -> None:
    for index in (0, 100, 1000):
        accepted, _ = deployed.submit(flip_proof_byte(tiny_verify_calldata, index))
        assert not accepted
    assert_nothing_stored(deployed)


def test_changed_output_reverts_and_stores_nothing(deployed: Any,
                                                   tiny_verify_calldata: bytes) -> None:
    for delta in (1, -1, 2**32):
        assert not deployed.submit(change_last_output(tiny_verify_calldata, delta))[0]
    assert_nothing_stored(deployed)


def test_rejection_leaves_the_earlier_prediction(deployed: Any,
                                                 tiny_verify_calldata: bytes) -> None:
    assert deployed.submit(tiny_verify_calldata)[0]
    before = (deployed.prediction_count(), deployed.prediction(), deployed.outputs())
    assert not deployed.submit(change_last_output(tiny_verify_calldata, 5))[0]
    assert (deployed.prediction_count(), deployed.prediction(), deployed.outputs()) == before


def test_proof_from_another_circuit_is_rejected(deployed: Any, other_circuit: CircuitDir,
                                                tmp_path: Path) -> None:
    other = prove(other_circuit.path, other_circuit.input, tmp_path / "other.json")
    other_data = evm.calldata(other)
    # It is a valid proof, for its own circuit ...
    assert evm.verify_in_evm(evm.load_verifier(other_circuit), other_data).valid
    # ... and the oracle bound to tiny_mlp's verifier refuses it.
    assert not deployed.submit(other_data)[0]
    assert_nothing_stored(deployed)


def test_wrong_instance_count_is_rejected(deployed: Any, tiny_verify_calldata: bytes) -> None:
    selector, proof, instances = evm.decode_call(tiny_verify_calldata)
    assert not deployed.submit(evm.encode_call(selector, proof, instances[:-1]))[0]
    assert_nothing_stored(deployed)


def test_example_script_runs(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    out = subprocess.run([sys.executable, str(EXAMPLE), str(tiny_circuit.path),
                          str(tiny_bundle_path)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("submit: accepted (gas ")
    assert "stored: count=1 prediction=" in out.stdout
