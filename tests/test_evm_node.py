"""`zkverify evm verify --rpc` against a real anvil node on 127.0.0.1 (npm @foundry-rs/anvil)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.evm_fixtures import Node, anvil, flip_proof_byte, free_port
from zkverify import evm
from zkverify.chain import RpcClient
from zkverify.commands.evm import evm_group
from zkverify.errors import EvmError
from zkverify.manifest import CircuitDir, ProofBundle


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    # Cancun, the EVM version the verifier is compiled for, so gas matches pyrevm exactly.
    with anvil("--hardfork", "cancun") as n:
        yield n


def run(*args: str | Path) -> tuple[int, str, str]:
    r = CliRunner().invoke(evm_group, [str(a) for a in args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_verify_on_node(node: Node, tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    code, out, err = run("verify", tiny_circuit.path, tiny_bundle_path, "--rpc", node.url,
                         "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["valid"] is True and info["backend"] == "rpc"
    assert RpcClient(node.url).has_code(info["address"])
    # The same transaction costs the same gas on the node and in pyrevm.
    bundle = ProofBundle.load(tiny_bundle_path)
    local = evm.verify_in_evm(evm.load_verifier(tiny_circuit), evm.calldata(bundle))
    assert info["gas"] == local.gas and info["deploy_gas"] == local.deploy_gas


def test_invalid_proof_on_node(node: Node, tiny_circuit: CircuitDir,
                               tiny_bundle: ProofBundle) -> None:
    verifier = evm.load_verifier(tiny_circuit)
    bad = flip_proof_byte(evm.calldata(tiny_bundle))
    r = evm.verify_on_node(verifier, bad, node.url)
    assert not r.valid and "reverted" in r.reason
    assert r.gas == evm.verify_in_evm(verifier, bad).gas  # the failed transaction was mined


def test_existing_address(node: Node, tiny_circuit: CircuitDir, tiny_bundle: ProofBundle,
                          other_circuit: CircuitDir) -> None:
    verifier = evm.load_verifier(tiny_circuit)
    data = evm.calldata(tiny_bundle)
    first = evm.verify_on_node(verifier, data, node.url)
    assert first.address is not None
    again = evm.verify_on_node(verifier, data, node.url, address=first.address)
    assert again.valid and again.deploy_gas is None and again.address == first.address
    assert again.gas is not None and first.gas is not None
    assert again.gas >= first.gas  # eth_estimateGas is an upper bound
    # The tiny proof against the other circuit's verifier, deployed on the node: rejected.
    other = evm.verify_on_node(evm.load_verifier(other_circuit), data, node.url)
    assert not other.valid


def test_cli_existing_address_and_tampered(node: Node, tiny_circuit: CircuitDir,
                                           tiny_bundle_path: Path) -> None:
    code, out, _ = run("verify", tiny_circuit.path, tiny_bundle_path, "--rpc", node.url, "--json")
    address = json.loads(out)["address"]
    code, out, _ = run("verify", tiny_circuit.path, tiny_bundle_path, "--rpc", node.url,
                       "--address", address)
    assert code == 0 and out.startswith(f"valid: verifyProof on {node.url} (gas ")
    assert "proves prediction" in out
    code, _, err = run("verify", tiny_circuit.path, tiny_bundle_path, "--rpc", node.url,
                       "--address", "0x" + "42" * 20)
    assert code == 3 and err.strip() == f"error: node at {node.url}: no contract at 0x{'42' * 20}"


def test_node_down(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run("verify", tiny_circuit.path, tiny_bundle_path, "--rpc", url)
    assert code == 3 and out == ""
    assert err.strip() == f"error: cannot reach node at {url}: Connection refused"


def test_node_refuses_deployment(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    with anvil("--code-size-limit", "1000") as small:
        code, out, err = run("verify", tiny_circuit.path, tiny_bundle_path, "--rpc", small.url)
    assert code == 3 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"error: node at {small.url} refused the deployment: ")


def test_not_an_rpc_url(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    code, _, err = run("verify", tiny_circuit.path, tiny_bundle_path, "--rpc", "localhost:8545")
    assert code == 2 and err.strip() == "error: --rpc localhost:8545: not an http(s) URL"


def test_node_without_accounts(tiny_circuit: CircuitDir, tiny_bundle: ProofBundle) -> None:
    verifier, data = evm.load_verifier(tiny_circuit), evm.calldata(tiny_bundle)
    with anvil("--accounts", "0") as bare, pytest.raises(EvmError, match="no unlocked account"):
        evm.verify_on_node(verifier, data, bare.url)
