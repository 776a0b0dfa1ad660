"""The Solidity verifier, its compile cache, calldata and the in-process EVM (real solcjs, pyrevm)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.evm_fixtures import change_last_output, flip_proof_byte
from zkverify import evm
from zkverify.errors import BundleError, CircuitError, EvmError
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.solc import cache_dir, compile_sources

SELECTOR = bytes.fromhex("1e8e1e13")  # verifyProof(bytes,uint256[])


@pytest.fixture(scope="session")
def verifier(tiny_circuit: CircuitDir) -> evm.Verifier:
    return evm.load_verifier(tiny_circuit)


@pytest.fixture(scope="session")
def tiny_calldata(tiny_bundle_path: Path) -> bytes:
    return evm.calldata(ProofBundle.load(tiny_bundle_path))


def test_verifier_source_leaves_home_alone(
    tiny_circuit: CircuitDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    source = evm.verifier_source(tiny_circuit)
    assert "contract Halo2Verifier" in source
    assert source.rstrip().endswith("}")
    assert list(home.iterdir()) == []  # ezkl's svm lookup never saw this HOME
    assert os.environ["HOME"] == str(home)  # and the environment is restored
    assert os.environ["HTTPS_PROXY"] == "http://proxy.invalid:3128"


def test_compiled_verifier(verifier: evm.Verifier) -> None:
    c = verifier.contract
    assert c.selector(evm.VERIFY_SIGNATURE) == SELECTOR
    assert [f["name"] for f in c.abi if f["type"] == "function"] == ["verifyProof"]
    assert 1000 < verifier.runtime_size <= evm.EIP170_LIMIT
    assert verifier.deployable_on_mainnet and verifier.size_warning() is None


def test_compile_reads_the_cache_by_source_hash(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(tmp_path))
    src = {"A.sol": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n"
                    "contract A { function f() external pure returns (uint256) { return 7; } }\n"}
    first = compile_sources(src)["A"]
    entries = list(cache_dir().glob("*.json"))
    assert len(entries) == 1 and first.runtime
    # A second compile must come from the cache entry: doctor it and see the doctored bytes.
    cached = json.loads(entries[0].read_text())
    cached["contracts"]["A.sol"]["A"]["evm"]["bytecode"]["object"] = "c0ffee"
    entries[0].write_text(json.dumps(cached))
    assert compile_sources(src)["A"].bytecode == bytes.fromhex("c0ffee")
    # Another source is another entry.
    compile_sources({"A.sol": src["A.sol"].replace("7", "8")})
    assert len(list(cache_dir().glob("*.json"))) == 2


def test_compile_error_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(tmp_path))
    with pytest.raises(EvmError, match="Solidity compilation failed") as e:
        compile_sources({"B.sol": "pragma solidity ^0.8.0; contract B { function f( }"})
    assert "\n" not in str(e.value)


def test_missing_solcjs_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZKVERIFY_SOLCJS", str(tmp_path / "nope"))
    with pytest.raises(EvmError, match="ZKVERIFY_SOLCJS=.*no such file"):
        compile_sources({"C.sol": "contract C {}"})


def test_valid_proof_verifies_in_evm(verifier: evm.Verifier, tiny_calldata: bytes) -> None:
    assert tiny_calldata[:4] == SELECTOR
    r = evm.verify_in_evm(verifier, tiny_calldata)
    assert r.valid, r.reason
    assert r.backend == "pyrevm" and r.warnings == []
    # 21,000 base + calldata + pairing: about half a million gas for the tiny circuit.
    assert r.gas is not None and 300_000 < r.gas < 1_000_000
    assert r.deploy_gas is not None and r.deploy_gas > 1_000_000


def test_tampered_proof_reverts(verifier: evm.Verifier, tiny_calldata: bytes) -> None:
    r = evm.verify_in_evm(verifier, flip_proof_byte(tiny_calldata))
    assert not r.valid and "reverted" in r.reason
    assert r.gas is not None and r.gas > 21_000


def test_changed_public_output_is_invalid(verifier: evm.Verifier, tiny_calldata: bytes) -> None:
    assert not evm.verify_in_evm(verifier, change_last_output(tiny_calldata)).valid


def test_proof_for_another_circuit_is_rejected(other_circuit: CircuitDir,
                                               tiny_calldata: bytes) -> None:
    other = evm.load_verifier(other_circuit)
    assert not evm.verify_in_evm(other, tiny_calldata).valid


def test_code_size_limit_is_enforced(verifier: evm.Verifier, tiny_calldata: bytes) -> None:
    with pytest.raises(EvmError, match="refused the verifier deployment"):
        evm.verify_in_evm(verifier, tiny_calldata, code_size_limit=1000)


def test_oversized_verifier_warns_and_still_runs_in_process() -> None:
    # A real contract over 24 KiB: verifyProof returning true, padded by a large constant.
    blob = "ab" * 26_000
    src = ("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract Halo2Verifier {\n"
           "  function verifyProof(bytes calldata, uint256[] calldata) external pure "
           "returns (bool) { return true; }\n"
           f'  function blob() external pure returns (bytes memory) {{ return hex"{blob}"; }}\n}}\n')
    big = evm.compile_verifier(src)
    assert big.runtime_size > evm.EIP170_LIMIT and not big.deployable_on_mainnet
    assert "cannot be deployed on Ethereum mainnet" in (big.size_warning() or "")
    r = evm.verify_in_evm(big, evm.encode_call(SELECTOR, b"\x01" * 64, [1, 2]))
    assert r.valid and r.warnings == [big.size_warning()]
    # Under the mainnet rule the same code is refused.
    with pytest.raises(EvmError, match="refused"):
        evm.verify_in_evm(big, b"", code_size_limit=evm.EIP170_LIMIT)


def test_circuit_without_keys(circuit_copy: CircuitDir) -> None:
    circuit_copy.vk.unlink()
    with pytest.raises(CircuitError, match="vk.key: missing"):
        evm.verifier_source(circuit_copy)


def test_garbled_proof_cannot_be_encoded(tiny_bundle: ProofBundle) -> None:
    bad = tiny_bundle.model_copy(update={"proof": {"protocol": None, "instances": "x"}})
    with pytest.raises(BundleError, match="cannot encode the proof as calldata"):
        evm.calldata(bad, "bad.json")


def test_calldata_layout_matches_verify_call(tiny_calldata: bytes, tiny_bundle: ProofBundle) -> None:
    selector, proof, instances = evm.decode_call(tiny_calldata)
    assert selector == SELECTOR and len(proof) > 1000
    flat = [int.from_bytes(bytes.fromhex(h), "little")
            for col in tiny_bundle.proof["instances"] for h in col]
    assert instances == flat
    assert evm.decode_call(evm.encode_call(selector, proof, instances))[1:] == (proof, instances)


@settings(max_examples=50, deadline=None)
@given(proof=st.binary(max_size=200),
       instances=st.lists(st.integers(min_value=0, max_value=2**256 - 1), max_size=8))
def test_encode_decode_roundtrip(proof: bytes, instances: list[int]) -> None:
    data = evm.encode_call(SELECTOR, proof, instances)
    assert len(data) % 32 == 4
    assert evm.decode_call(data) == (SELECTOR, proof, instances)


@given(junk=st.binary(max_size=300))
def test_decode_rejects_junk_with_bundle_error_only(junk: bytes) -> None:
    try:
        selector, proof, instances = evm.decode_call(junk)
    except BundleError:
        return
    assert selector == junk[:4] and all(0 <= i < 2**256 for i in instances)


def test_result_as_dict_has_verdict_and_gas(verifier: evm.Verifier, tiny_calldata: bytes) -> None:
    d = evm.verify_in_evm(verifier, tiny_calldata).as_dict()
    assert d["valid"] is True and isinstance(d["gas"], int)
    assert json.loads(json.dumps(d)) == d
