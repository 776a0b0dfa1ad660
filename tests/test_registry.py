"""The network on real components: a registry on anvil, `zkverify serve` nodes on 127.0.0.1
(announced on chain), nodes that die mid-request, answer 503 or forge bundles, and the audit."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.evm_fixtures import Node, anvil
from tests.network_fixtures import AppServer, bundle_json, dying_node, fake_node_app
from tests.service_fixtures import TOKEN, ProcessServer, ThreadServer, tampered
from tests.test_schemas import check
from zkverify.cli import cli
from zkverify.manifest import CircuitDir
from zkverify.network.announce import Announcer, with_announcement
from zkverify.network.registry import Registry, RegistryRevert
from zkverify.network.wallet import Wallet
from zkverify.solc import compile_sources

# Not importorskip: importing eth_account (py_ecc) raises the recursion limit for the whole
# test session; zkverify restores it where it imports the module.
if importlib.util.find_spec("eth_account") is None:
    pytest.skip("needs the chain extra", allow_module_level=True)

# anvil's second well-known development account: a stranger to everything account 0 did.
STRANGER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
STRANGER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    env = {"ZKVERIFY_TOKEN": TOKEN, "ZKVERIFY_PRIVATE_KEY": "", **(env or {})}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def ok_json(r: Result, schema: str | None = None) -> Any:
    assert r.exit_code == 0, (r.stdout, r.stderr)
    out = json.loads(r.stdout)
    if schema:
        check(schema, out)
    return out


@pytest.fixture(scope="module")
def chain() -> Iterator[Node]:
    with anvil("--hardfork", "cancun") as n:
        yield n


@pytest.fixture(scope="module")
def published(chain: Node, tiny_circuit: CircuitDir) -> dict[str, str]:
    """One registry with the tiny circuit published (through the CLI, as a user would)."""
    reg = ok_json(run("registry", "deploy", "--rpc", chain.url, "--json"), "registry-deploy")
    assert set(reg) >= {"address"} and reg["address"].startswith("0x")
    pub = ok_json(run("publish", tiny_circuit.path, "--registry", reg["address"], "--rpc",
                      chain.url, "--json"), "publish")
    assert pub["circuit_id"] == tiny_circuit.load_card().circuit_id
    return {"registry": reg["address"], "verifier": pub["verifier"], "circuit_id": pub["circuit_id"]}


@pytest.fixture(scope="module")
def nodes(chain: Node, published: dict[str, str], tiny_circuit: CircuitDir,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ThreadServer]]:
    """Three nodes serving the tiny circuit, each announced in the registry on startup."""
    servers = []
    reg = Registry(chain.url, published["registry"], Wallet.connect(chain.url))
    cid = published["circuit_id"]
    for i in range(3):
        s = ThreadServer([tiny_circuit.path], tmp_path_factory.mktemp(f"node{i}") / "p.sqlite3",
                         verify_workers=1)
        with_announcement(s.app, Announcer(reg, s.url, {cid: tiny_circuit.load_card().vk_sha256}))
        servers.append(s.__enter__())
    try:
        yield servers
    finally:
        for s in servers:
            s.__exit__(None, None, None)


def test_three_nodes_announced_and_infer_verified(chain: Node, published: dict[str, str],
                                                 nodes: list[ThreadServer], tiny_circuit: CircuitDir,
                                                 tmp_path: Path) -> None:
    reg = Registry(chain.url, published["registry"])
    assert [n.url for n in reg.nodes(published["circuit_id"])] == [s.url for s in nodes]
    out = tmp_path / "proof.json"
    info = ok_json(run("infer", tiny_circuit.input, "--registry", published["registry"], "--rpc",
                       chain.url, "--circuit", published["circuit_id"], "-o", out, "--json"),
                   "infer-registry")
    assert info["valid"] is True and info["node"] == nodes[0].url and info["forged"] == []
    assert info["submitted"] is None and info["bundle_path"] == str(out)
    verdict = json.loads(run("verify", tiny_circuit.path, out, "--json").stdout)
    assert verdict["valid"] is True and verdict["proof_hash"] == info["proof_hash"]
    shown = ok_json(run("registry", "show", "--registry", published["registry"], "--rpc",
                        chain.url, "--json"), "registry-show")
    assert [n["url"] for n in shown["circuits"][0]["nodes"]] == [s.url for s in nodes]


def test_failover_dead_busy_forged(chain: Node, published: dict[str, str], nodes: list[ThreadServer],
                                   tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                   tmp_path: Path) -> None:
    """A fresh registry whose first three nodes misbehave: each is survived, the forger named."""
    cid = published["circuit_id"]
    address = ok_json(run("registry", "deploy", "--rpc", chain.url, "--json"))["address"]
    ok_json(run("publish", tiny_circuit.path, "--registry", address, "--rpc", chain.url,
                "--verifier", published["verifier"], "--json"))
    reg = Registry(chain.url, address, Wallet.connect(chain.url))
    bundle = bundle_json(tiny_bundle_path)
    with dying_node(tiny_circuit) as (dying_url, dying_proc), \
            AppServer(fake_node_app("busy", tiny_circuit, bundle)) as busy, \
            AppServer(fake_node_app("forge", tiny_circuit, bundle)) as forger:
        for url in (dying_url, busy.url, forger.url, nodes[1].url):
            reg.add_node(cid, url)
        r = run("infer", tiny_circuit.input, "--registry", address, "--rpc", chain.url,
                "--circuit", cid, "-o", tmp_path / "p.json", "--json")
        info = ok_json(r, "infer-registry")
        assert dying_proc.wait(10) == 1  # it really died mid-request
    assert info["node"] == nodes[1].url and info["valid"] is True
    outcomes = [(a["url"], a["outcome"]) for a in info["attempts"]]
    assert outcomes == [(dying_url, "failed"), (busy.url, "failed"), (forger.url, "forged"),
                        (nodes[1].url, "ok")]
    assert "503" in info["attempts"][1]["reason"]
    assert info["forged"] == [forger.url]
    assert f"warning: node {forger.url} returned a bundle that does not verify" in r.stderr
    assert run("verify", tiny_circuit.path, tmp_path / "p.json").exit_code == 0


def test_dead_node_is_skipped_after_health_check(chain: Node, published: dict[str, str],
                                                 nodes: list[ThreadServer], tiny_circuit: CircuitDir) -> None:
    from tests.netutil import free_port
    from zkverify.network.failover import infer

    address = ok_json(run("registry", "deploy", "--rpc", chain.url, "--json"))["address"]
    ok_json(run("publish", tiny_circuit.path, "--registry", address, "--rpc", chain.url,
                "--verifier", published["verifier"], "--json"))
    reg = Registry(chain.url, address, Wallet.connect(chain.url))
    dead = f"http://127.0.0.1:{free_port()}"
    for url in (dead, nodes[2].url):
        reg.add_node(published["circuit_id"], url)
    data = json.loads(tiny_circuit.input.read_text())
    result = infer(reg, published["circuit_id"], data, TOKEN)
    # The healthy node first; the dead one was never needed.
    assert result.node == nodes[2].url and [a.url for a in result.attempts] == [nodes[2].url]


def test_registry_rules(chain: Node, published: dict[str, str], nodes: list[ThreadServer],
                        tiny_circuit: CircuitDir, tiny_bundle_path: Path, tmp_path: Path) -> None:
    cid = published["circuit_id"]
    stranger = Registry(chain.url, published["registry"], Wallet.connect(chain.url, STRANGER_KEY))
    assert stranger.wallet is not None and stranger.wallet.address.lower() == STRANGER
    before = stranger.circuit(cid)
    with pytest.raises(RegistryRevert) as e:
        stranger.publish(cid, "00" * 32, published["verifier"])
    assert e.value.error == "NotPublisher"
    assert stranger.circuit(cid) == before
    with pytest.raises(RegistryRevert) as e:
        stranger.remove_node(cid, nodes[0].url)
    assert e.value.error == "NotNodeOwner"
    assert nodes[0].url in [n.url for n in stranger.nodes(cid)]
    # The stranger may announce a node of its own, and remove it again.
    stranger.add_node(cid, "http://127.0.0.1:9/stranger")
    stranger.remove_node(cid, "http://127.0.0.1:9/stranger")
    # A tampered proof: submit reverts and nothing is recorded.
    proof = bundle_json(tiny_bundle_path)["proof"]
    instances = [int.from_bytes(bytes.fromhex(f), "little") for c in proof["instances"] for f in c]
    count = len(stranger.records())
    bad = bytearray(proof["proof"])
    bad[100] ^= 1
    with pytest.raises(RegistryRevert) as e:
        stranger.submit(cid, bytes(bad), instances)
    assert e.value.error == "ProofRejected"
    with pytest.raises(RegistryRevert):
        stranger.submit(cid, bytes(proof["proof"]), instances[:-1] + [instances[-1] + 1])
    assert len(stranger.records()) == count
    # The key signed, and it shows nowhere in the output of a command that used it.
    key_file = tmp_path / "key"
    key_file.write_text(STRANGER_KEY + "\n")
    r = run("registry", "deploy", "--rpc", chain.url, "--private-key-file", key_file, "--json")
    assert ok_json(r)["deployer"].lower() == STRANGER
    assert STRANGER_KEY[2:] not in r.output + r.stderr
    assert sys.getrecursionlimit() < 100_000  # eth-account's py_ecc raised it; zkverify put it back


def test_submit_then_audit(chain: Node, published: dict[str, str], nodes: list[ThreadServer],
                           tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    out = tmp_path / "proof.json"
    info = ok_json(run("infer", tiny_circuit.input, "--registry", published["registry"], "--rpc",
                       chain.url, "--circuit", published["circuit_id"], "-o", out, "--submit",
                       "--json"))
    assert info["submitted"]["gas"] > 0
    # Submitting the same proof again is refused by the registry (exit 1), nothing recorded twice.
    again = run("infer", tiny_circuit.input, "--registry", published["registry"], "--rpc", chain.url,
                "--circuit", published["circuit_id"], "--submit", "--json")
    assert again.exit_code == 0  # a fresh proof (ezkl proofs are randomized): recorded too
    verdict = json.loads(run("verify", tiny_circuit.path, out, "--json").stdout)
    # The audit fetches the public files from the registered nodes (checked against the id).
    audit = ok_json(run("audit", "--registry", published["registry"], "--rpc", chain.url,
                        "--circuit", published["circuit_id"], "--json"), "audit")
    assert audit["invalid"] == audit["unchecked"] == 0 and audit["count"] >= 2
    mine = [r for r in audit["records"] if r["tx_hash"] == info["submitted"]["tx_hash"]]
    assert len(mine) == 1 and mine[0]["proof_hash"] == verdict["proof_hash"] == info["proof_hash"]
    assert mine[0]["valid"] is True and mine[0]["prediction"] == verdict["prediction"]


def test_audit_flags_a_proof_that_does_not_verify(chain: Node, tiny_circuit: CircuitDir,
                                                  tiny_bundle_path: Path, tmp_path: Path) -> None:
    """A circuit published with a verifier that accepts anything: the chain records a forged
    proof, and the audit, re-verifying from the public files, flags it (exit 1)."""
    accept = compile_sources({"AcceptAll.sol": (
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract AcceptAll {\n"
        "  fallback(bytes calldata) external returns (bytes memory) { return abi.encode(true); }\n"
        "}\n")})["AcceptAll"]
    wallet = Wallet.connect(chain.url)
    verifier, _ = wallet.deploy(accept.bytecode)
    address = ok_json(run("registry", "deploy", "--rpc", chain.url, "--json"))["address"]
    reg = Registry(chain.url, address, wallet)
    card = tiny_circuit.load_card()
    reg.publish(card.circuit_id, card.vk_sha256, verifier)
    good = bundle_json(tiny_bundle_path)
    forged = tampered(good, "instance", tiny_circuit)["proof"]
    for proof in (good["proof"], forged):
        reg.submit(card.circuit_id, bytes(proof["proof"]),
                   [int.from_bytes(bytes.fromhex(f), "little") for c in proof["instances"] for f in c])
    r = run("audit", "--registry", address, "--rpc", chain.url, "--circuit-dir", tiny_circuit.path,
            "--json")
    assert r.exit_code == 1, r.stderr
    audit = json.loads(r.stdout)
    assert (audit["count"], audit["valid"], audit["invalid"]) == (2, 1, 1)
    bad = audit["records"][1]
    assert bad["valid"] is False and bad["checked"] is True
    assert bad["reason"].startswith("the proof does not verify")
    # No node serves this circuit here, no --circuit-dir, nothing cached: nothing re-verified.
    r = run("audit", "--registry", address, "--rpc", chain.url, "--json",
            env={"ZKVERIFY_CACHE_DIR": str(tmp_path / "empty-cache")})
    assert r.exit_code == 3 and json.loads(r.stdout)["unchecked"] == 2


def test_serve_announces_and_withdraws(chain: Node, published: dict[str, str],
                                       tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    """`zkverify serve --registry --rpc --announce`: on chain while up, gone after a clean stop."""
    from tests.netutil import free_port

    port = free_port()
    public = f"http://127.0.0.1:{port}"
    reg = Registry(chain.url, published["registry"])
    server = ProcessServer([tiny_circuit.path], tmp_path / "p.sqlite3", tmp_path / "log",
                           "--registry", published["registry"], "--rpc", chain.url,
                           "--announce", public, port=port)
    try:
        assert public in [n.url for n in reg.nodes(published["circuit_id"])]
    finally:
        server.stop()
    assert public not in [n.url for n in reg.nodes(published["circuit_id"])]


def test_usage_errors(chain: Node, published: dict[str, str], tiny_circuit: CircuitDir) -> None:
    r = run("infer", tiny_circuit.input, "--registry", published["registry"], "--circuit",
            published["circuit_id"])
    assert r.exit_code == 2 and "needs --rpc URL and --circuit ID" in r.stderr
    r = run("infer", tiny_circuit.input, "--url", "http://127.0.0.1:9", "--submit")
    assert r.exit_code == 2
    r = run("audit", "--registry", "0x" + "12" * 20, "--rpc", chain.url)
    assert r.exit_code == 3 and "no contract at" in r.stderr
    r = run("publish", tiny_circuit.path, "--registry", "nope", "--rpc", chain.url)
    assert r.exit_code == 2


@pytest.fixture(scope="module")
def reusable_circuit(tmp_path_factory: pytest.TempPathFactory, _cache_dir: Path) -> CircuitDir:
    """tiny_mlp built with keys for ezkl's reusable verifier (no selector compression)."""
    from tests.conftest import TESTS, tiny_config
    from zkverify.circuit import build
    from zkverify.exporting import export_model

    root = tmp_path_factory.mktemp("reusable")
    export_model(f"{TESTS / 'tiny_model.py'}:tiny_mlp", (1, 4), root / "model")
    build(root / "model" / "network.onnx", root / "c",
          tiny_config(name="tiny_reusable", reusable_verifier=True))
    return CircuitDir(root / "c")


def test_reusable_verifier_serves_two_circuits(chain: Node, published: dict[str, str],
                                               reusable_circuit: CircuitDir, other_circuit: CircuitDir,
                                               tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    from zkverify.network.failover import submit
    from zkverify.proving import prove

    # Another vk than the same model with default keys, so another circuit id.
    assert reusable_circuit.load_card().circuit_id != tiny_circuit.load_card().circuit_id
    address = published["registry"]
    first = ok_json(run("publish", reusable_circuit.path, "--registry", address, "--rpc", chain.url,
                        "--reusable", "--json"), "publish")
    assert first["reusable"] is True and first["deploy_gas"] > 0 and first["register_gas"] > 0
    # The second circuit registers its VKA with the same verifier: no deployment.
    second = ok_json(run("publish", other_circuit.path, "--registry", address, "--rpc", chain.url,
                         "--reusable", "--verifier", first["verifier"], "--json"), "publish")
    assert second["deploy_gas"] is None and second["verifier"] == first["verifier"]
    reg = Registry(chain.url, address, Wallet.connect(chain.url))
    for cd, pub in ((reusable_circuit, first), (other_circuit, second)):
        prove(cd.path, cd.input, tmp_path / f"{cd.path.name}.json")
        bundle = bundle_json(tmp_path / f"{cd.path.name}.json")
        proof = bundle["proof"]
        instances = [int.from_bytes(bytes.fromhex(f), "little") for c in proof["instances"] for f in c]
        with pytest.raises(RegistryRevert) as e:  # the plain form is refused for such a circuit
            reg.submit(pub["circuit_id"], bytes(proof["proof"]), instances)
        assert e.value.error == "NeedsVka"
        bad = tampered(bundle, "proof_bytes", cd)
        with pytest.raises(RegistryRevert) as e:
            submit(reg, pub["circuit_id"], bad, cd.path)
        assert e.value.error == "ProofRejected"
        assert submit(reg, pub["circuit_id"], bundle, cd.path)["gas"] > 0
    audit = ok_json(run("audit", "--registry", address, "--rpc", chain.url, "--circuit",
                        first["circuit_id"], "--circuit-dir", reusable_circuit.path, "--json"),
                    "audit")
    assert (audit["count"], audit["valid"]) == (1, 1)


def test_without_the_chain_extra(chain: Node, published: dict[str, str]) -> None:
    from tests.test_lean import run_blocked

    out = run_blocked(("eth_account", "eth_abi", "eth_utils"),
                      [["audit", "--registry", published["registry"], "--rpc", chain.url]])
    r = out["results"][0]
    assert r["code"] == 2, r
    assert r["stderr"] == ("error: this command needs the 'chain' extra (eth_abi is not installed): "
                           "pip install 'zkverify[chain]'\n")


def test_mcp_through_the_registry(chain: Node, published: dict[str, str], nodes: list[ThreadServer],
                                  tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    """`zkverify mcp --registry --rpc` through the SDK's own client: list the registry's circuits,
    infer on its nodes (verified here), verify a tampered bundle (invalid, no output)."""
    pytest.importorskip("mcp")
    import os

    from tests.test_mcp import call, session, stdio

    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    extra = {k: os.environ[k] for k in ("ZKVERIFY_SOLCJS",) if k in os.environ}
    server = stdio(tmp_path, "--registry", published["registry"], "--rpc", chain.url,
                   "--token-file", str(token), **extra)
    cid = published["circuit_id"]
    x = json.loads(tiny_circuit.input.read_text())

    async def body(client: Any) -> None:
        listed = await call(client, "list_circuits")
        mine = [c for c in listed["registry"]["circuits"] if c["circuit_id"] == cid]
        assert mine and mine[0]["nodes"][:3] == [s.url for s in nodes]
        res = await call(client, "infer", input=x, circuit=cid)
        assert res["valid"] is True and res["circuit_id"] == cid
        assert res["proved_by"] == nodes[0].url and res["forged_nodes"] == []
        bad = tampered(json.loads(Path(res["bundle_path"]).read_text()), "outputs", tiny_circuit)
        verdict = await call(client, "verify", circuit=cid, bundle=bad)
        assert verdict["valid"] is False and verdict["outputs"] is None

    session(server, body)
