"""Issue 11, items 1 and 7 (RPC side): the code at --address is compared with the circuit's
verifier before its answer counts (real anvil), and a hostile node's answers are bounded and
turn into one-line errors (a real HTTP server on 127.0.0.1 that answers badly)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.evm_fixtures import Node, anvil, change_last_output
from zkverify import evm
from zkverify.chain import MAX_RESPONSE, RpcClient
from zkverify.commands.evm import evm_group
from zkverify.errors import EvmError
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.solc import compile_sources

ALWAYS_TRUE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
contract AlwaysTrue {
    function verifyProof(bytes calldata, uint256[] calldata) external pure returns (bool) {
        return true;
    }
}
"""


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    with anvil("--hardfork", "cancun") as n:
        yield n


def test_always_true_contract_at_address_is_not_trusted(node: Node, tiny_circuit: CircuitDir,
                                                        tiny_bundle: ProofBundle) -> None:
    client = RpcClient(node.url)
    fake = compile_sources({"AlwaysTrue.sol": ALWAYS_TRUE})["AlwaysTrue"]
    address, _ = client.deploy(fake.bytecode, client.sender())
    verifier = evm.load_verifier(tiny_circuit)
    invented = change_last_output(evm.calldata(tiny_bundle))  # a claim no proof backs
    assert client.call(address, invented)[-1] == 1  # the contract itself says "true"
    r = evm.verify_on_node(verifier, invented, node.url, address=address)
    assert r.valid is False and r.code_checked is False
    assert r.reason.startswith(f"the contract at {address} is not this circuit's verifier")
    assert r.reason == r.code_reason and r.as_dict()["code_checked"] is False
    # The circuit's own verifier at an address is checked, then believed.
    real = evm.verify_on_node(verifier, evm.calldata(tiny_bundle), node.url)
    assert real.valid and real.code_checked
    again = evm.verify_on_node(verifier, evm.calldata(tiny_bundle), node.url, address=real.address)
    assert again.valid and again.code_checked and again.code_reason == ""
    assert evm.verify_in_evm(verifier, evm.calldata(tiny_bundle)).code_checked


def test_cli_always_true_contract_with_invented_instances(node: Node, tiny_circuit: CircuitDir,
                                                          tiny_bundle_path: Path,
                                                          tmp_path: Path) -> None:
    """The review's attack end to end: an always-true contract at --address, a bundle whose
    instances and claims are invented (they follow each other, so only the proof could tell)."""
    from tests.service_fixtures import tampered

    client = RpcClient(node.url)
    fake = compile_sources({"AlwaysTrue.sol": ALWAYS_TRUE})["AlwaysTrue"]
    address, _ = client.deploy(fake.bytecode, client.sender())
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(tampered(json.loads(tiny_bundle_path.read_text()), "instance",
                                          tiny_circuit)))
    r = CliRunner().invoke(evm_group, ["verify", str(tiny_circuit.path), str(forged), "--rpc",
                                       node.url, "--address", address, "--json"])
    assert r.exit_code == 3 and r.stdout == "", r.output
    assert r.stderr.startswith(f"error: the contract at {address} is not this circuit's verifier")
    assert "nothing was verified" in r.stderr and r.stderr.count("\n") == 1


class _Node:
    """An HTTP JSON-RPC endpoint on 127.0.0.1 whose answers the test chooses."""

    def __init__(self, answer: Callable[[str], Any]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                result = answer(req["method"])
                body = result if isinstance(result, bytes) else json.dumps(
                    {"jsonrpc": "2.0", "id": req["id"], "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def fake_node() -> Iterator[Callable[[Callable[[str], Any]], _Node]]:
    started: list[_Node] = []

    def start(answer: Callable[[str], Any]) -> _Node:
        started.append(_Node(answer))
        return started[-1]

    yield start
    for n in started:
        n.close()


def test_malformed_receipt_is_a_one_line_error(fake_node: Any, tiny_circuit: CircuitDir,
                                              tiny_bundle_path: Path) -> None:
    answers = {"eth_accounts": ["0x" + "11" * 20], "eth_sendTransaction": "0x" + "ab" * 32,
               "eth_getTransactionReceipt": {"status": "0x1", "gasUsed": "lots",
                                             "contractAddress": "0x" + "22" * 20}}
    n = fake_node(answers.get)
    r = CliRunner().invoke(evm_group, ["verify", str(tiny_circuit.path), str(tiny_bundle_path),
                                       "--rpc", n.url], catch_exceptions=False)
    assert r.exit_code == 3 and r.stdout == ""
    assert r.stderr == (f"error: node at {n.url} gave a malformed receipt (gasUsed) to "
                        f"eth_getTransactionReceipt\n")


@pytest.mark.parametrize("bad", [{"not": "a list"}, 42, "0xzz"])
def test_malformed_answers_raise_evm_errors(fake_node: Any, bad: Any) -> None:
    client = RpcClient(fake_node(lambda method: bad).url)
    for call in (client.chain_id, client.sender, lambda: client.get_code("0x" + "33" * 20),
                 lambda: client.call("0x" + "33" * 20, b"\x01"),
                 lambda: client.estimate_gas("0x" + "33" * 20, b"")):
        with pytest.raises(EvmError, match="gave a malformed") as e:
            call()
        assert "\n" not in str(e.value)


def test_oversized_answer_is_not_read(fake_node: Any) -> None:
    padding = "0" * (MAX_RESPONSE + 10)
    huge = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x1", "padding": padding}).encode()
    client = RpcClient(fake_node(lambda method: huge).url)
    with pytest.raises(EvmError, match=r"answered more than 16 MiB to eth_chainId; not read"):
        client.chain_id()
