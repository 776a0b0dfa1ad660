"""`zkverify mcp`: the tools through the mcp SDK's own client, over stdio and streamable HTTP,
on the session's tiny circuit, and through a real node (ThreadServer with a token)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

pytest.importorskip("mcp")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

from zkverify.card import Card  # noqa: E402
from zkverify.manifest import CircuitDir  # noqa: E402

from .netutil import free_port  # noqa: E402
from .service_fixtures import TOKEN, ThreadServer, tampered  # noqa: E402

ROOT = Path(__file__).parent.parent
INPUT = [0.5, -0.25, 0.75, 0.125]


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The SDK spawns servers with a minimal environment: pass what zkverify needs."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "ZKVERIFY_CACHE_DIR": os.environ["ZKVERIFY_CACHE_DIR"],
           "XDG_DATA_HOME": str(tmp_path / "data")}
    env.update(extra)
    return env


def stdio(tmp_path: Path, *args: str, **env: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable,
                                 args=["-m", "zkverify", "mcp", "--bundles", str(tmp_path / "bundles"),
                                       *args],
                                 env=server_env(tmp_path, **env), cwd=str(tmp_path))


def session(server: Any, body: Callable[[Client], Awaitable[None]]) -> None:
    async def main() -> None:
        async with Client(server, read_timeout_seconds=120) as client:
            await body(client)

    anyio.run(main)


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    r = await client.call_tool(tool, args)
    assert not r.is_error, r.content
    assert isinstance(r.structured_content, dict)
    return r.structured_content


async def tool_error(client: Client, tool: str, **args: Any) -> str:
    r = await client.call_tool(tool, args)
    assert r.is_error
    text = r.content[0].text  # type: ignore[union-attr]
    assert "\n" not in text and "Traceback" not in text, text
    return text


def assert_valid_inference(res: dict[str, Any], card: Card, proved_by: str) -> None:
    assert res["valid"] is True, res
    assert res["circuit"] == card.name and res["circuit_id"] == card.circuit_id
    assert res["inputs"] == [INPUT]  # exactly representable at scale 7
    assert len(res["outputs"]) == 1 and len(res["outputs"][0]) == 2
    row = res["outputs"][0]
    assert res["prediction"] == row.index(max(row))
    assert res["srs"] == "local-dev" and res["weights_bound"] is True
    assert res["proved_by"] == proved_by and len(res["proof_hash"]) == 64
    assert Path(res["bundle_path"]).is_file()


def test_tools_over_stdio(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    card = Card.load(tiny_circuit.card)
    (tmp_path / "input.json").write_text(json.dumps({"input_data": [INPUT]}))

    async def body(client: Client) -> None:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"list_circuits", "infer", "verify"}
        assert set(tools["infer"].input_schema["properties"]) == {"input", "circuit"}
        assert tools["infer"].input_schema["required"] == ["input"]
        assert set(tools["verify"].input_schema["required"]) == {"circuit", "bundle"}
        for t in tools.values():
            assert t.description and len(t.description) > 80
            for prop in t.input_schema.get("properties", {}).values():
                assert prop.get("description"), (t.name, prop)

        listed = await call(client, "list_circuits")
        assert "node" not in listed
        [c] = listed["local"]
        assert c["name"] == card.name and c["circuit_id"] == card.circuit_id
        assert c["input_shapes"] == [[1, 4]] and c["output_shapes"] == [[1, 2]]
        assert c["prediction_rule"] == "argmax" and c["srs"] == "local-dev" and c["can_prove"]

        # the input in each form `prove` accepts; the circuit by name, by id, or implied
        res = await call(client, "infer", input=INPUT)
        assert_valid_inference(res, card, "local")
        for form, ref in (({"input_data": [INPUT]}, card.circuit_id),
                          (str(tmp_path / "input.json"), card.name)):
            again = await call(client, "infer", input=form, circuit=ref)
            assert_valid_inference(again, card, "local")
            assert again["outputs"] == res["outputs"]

        # verify: by name or directory, the bundle as a path, an object or a JSON string
        bundle = json.loads(Path(res["bundle_path"]).read_text())
        for ref, b in ((card.name, res["bundle_path"]), (str(tiny_circuit.path), bundle),
                       (card.circuit_id, json.dumps(bundle))):
            v = await call(client, "verify", circuit=ref, bundle=b)
            assert v["valid"] is True and v["outputs"] == res["outputs"], v
            assert v["proof_hash"] == res["proof_hash"]

        # a tampered bundle: an invalid verdict with its reason, and no output at all
        for how in ("outputs", "proof_bytes", "instance"):
            v = await call(client, "verify", circuit=card.name,
                           bundle=tampered(bundle, how, tiny_circuit))
            assert v["valid"] is False and v["reason"], (how, v)
            assert v["outputs"] is None and v["inputs"] is None and v["prediction"] is None

        # bad input, unknown circuit, not a bundle: tool errors, one line each
        assert "expected 4 values" in await tool_error(client, "infer", input=[1.0, 2.0])
        assert "list of numbers" in await tool_error(client, "infer", input=["a", "b"])
        assert "no such file" in await tool_error(client, "infer", input=str(tmp_path / "nope.json"))
        assert "unknown circuit 'nope'" in await tool_error(client, "infer", input=INPUT,
                                                            circuit="nope")
        assert "unknown circuit" in await tool_error(client, "verify", circuit="nope",
                                                     bundle=res["bundle_path"])
        assert "not a zkverify proof bundle" in await tool_error(client, "verify",
                                                                 circuit=card.name, bundle={"a": 1})

    session(stdio(tmp_path, "--circuit", str(tiny_circuit.path)), body)


def test_tools_over_streamable_http(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    card = Card.load(tiny_circuit.card)
    port = free_port()
    env = {**os.environ, **server_env(tmp_path), "ZKVERIFY_MCP_CIRCUITS": str(tiny_circuit.path)}
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "zkverify", "mcp", "--http", f"127.0.0.1:{port}",
                             "--bundles", str(tmp_path / "bundles")],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            try:
                httpx.get(f"http://127.0.0.1:{port}/mcp", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "the MCP server did not come up"
                time.sleep(0.1)

        async def body(client: Client) -> None:
            assert {t.name for t in (await client.list_tools()).tools} == {
                "list_circuits", "infer", "verify"}
            assert (await call(client, "list_circuits"))["local"][0]["circuit_id"] == card.circuit_id
            res = await call(client, "infer", input={"input_data": [INPUT]})
            assert_valid_inference(res, card, "local")
            assert Path(res["bundle_path"]).parent == tmp_path / "bundles"
            v = await call(client, "verify", circuit=card.circuit_id, bundle=res["bundle_path"])
            assert v["valid"] is True and v["prediction"] == res["prediction"]
            assert "expected 4 values" in await tool_error(client, "infer", input=[[1.0]])

        session(f"http://127.0.0.1:{port}/mcp", body)
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_infer_through_a_node_verifies_against_fetched_files(
        tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    card = Card.load(tiny_circuit.card)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    with ThreadServer([tiny_circuit.path], tmp_path / "proofs.sqlite3") as node:
        async def body(client: Client) -> None:
            listed = await call(client, "list_circuits")
            assert listed["local"] == []
            assert listed["node"]["url"] == node.url and listed["node"]["can_prove"] is True
            assert [c["id"] for c in listed["node"]["circuits"]] == [card.circuit_id]
            res = await call(client, "infer", input=INPUT, circuit=card.name)
            assert_valid_inference(res, card, node.url)
            fetched = Path(os.environ["ZKVERIFY_CACHE_DIR"]) / "mcp-fetched" / card.circuit_id
            assert sorted(p.name for p in fetched.iterdir()) == [
                "card.json", "kzg.srs", "settings.json", "vk.key"]
            v = await call(client, "verify", circuit=card.circuit_id, bundle=res["bundle_path"])
            assert v["valid"] is True
            # the token is used, never shown
            assert TOKEN not in json.dumps([listed, res, v])
            assert "unknown circuit 'nope'" in await tool_error(client, "infer", input=INPUT,
                                                                circuit="nope")

        session(stdio(tmp_path, "--node", node.url, "--token-file", str(token_file)), body)


def test_without_the_extra_mcp_exits_2_naming_it(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['mcp'] = None; sys.argv = ['zkverify', 'mcp', '--circuit', "
            f"{str(tmp_path)!r}]; from zkverify.cli import main; main()")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [
        "error: this command needs the 'mcp' extra (mcp is not installed): "
        "pip install 'zkverify[mcp]'"]
    code = "import sys; from zkverify.cli import cli; cli(['--help'], standalone_mode=False); " \
           "assert 'mcp' not in sys.modules, 'help imported mcp'"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    assert " mcp " in p.stdout


def test_a_lying_node_gets_an_invalid_verdict_and_no_output(
        tiny_circuit: CircuitDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The node answers with a bundle whose proof does not hold: infer says why, shows nothing."""
    import zkverify.client
    from zkverify.agents.tools import Agent

    real = zkverify.client.infer_remote

    def lying(*args: Any) -> dict[str, Any]:
        answer = real(*args)
        answer["bundle"] = tampered(answer["bundle"], "proof_bytes", tiny_circuit)
        return answer

    monkeypatch.setattr(zkverify.client, "infer_remote", lying)
    with ThreadServer([tiny_circuit.path], tmp_path / "proofs.sqlite3") as node:
        agent = Agent.create([], node.url, TOKEN, tmp_path / "bundles", tmp_path / "fetched")
        res = agent.infer(INPUT, None)
    assert res["valid"] is False and res["field"] == "proof" and res["reason"], res
    assert res["outputs"] is None and res["inputs"] is None and res["prediction"] is None
    assert Path(res["bundle_path"]).is_file() and res["proved_by"] == node.url
