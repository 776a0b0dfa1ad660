"""`zkverify verify --url` and `zkverify infer --url` against a real server: output and exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from tests.service_fixtures import TOKEN, ThreadServer, free_port, tampered
from zkverify.cli import cli
from zkverify.manifest import CircuitDir, ProofBundle
from zkverify.verifying import verify_bundle


@pytest.fixture(scope="module")
def node(tiny_circuit: CircuitDir, other_circuit: CircuitDir,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreadServer]:
    db = tmp_path_factory.mktemp("cli-node") / "proofs.sqlite3"
    with ThreadServer([tiny_circuit.path, other_circuit.path], db, verify_workers=1) as s:
        yield s


@pytest.fixture()
def token_file(tmp_path: Path) -> Path:
    p = tmp_path / "token"
    p.write_text(TOKEN + "\n")
    return p


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    env = {"ZKVERIFY_TOKEN": "", **(env or {})}
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def test_verify_url_valid_exits_0(node: ThreadServer, tiny_bundle_path: Path) -> None:
    r = run("verify", "--url", node.url, tiny_bundle_path)
    assert r.exit_code == 0, r.output
    assert r.stdout == (f"valid: {tiny_bundle_path} proves prediction 0 for circuit tiny_mlp "
                        "(SRS: local-dev)\n")
    r = run("verify", "--url", node.url + "/", tiny_bundle_path, "--json")
    assert r.exit_code == 0
    verdict = json.loads(r.stdout)
    assert verdict["valid"] is True and verdict["circuit"] == "tiny_mlp" and verdict["reason"] == ""


@pytest.mark.parametrize("how", ["proof_bytes", "outputs", "vk_hash"])
def test_verify_url_tampered_exits_1(node: ThreadServer, tiny_bundle_path: Path,
                                     tiny_circuit: CircuitDir, tmp_path: Path, how: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered(json.loads(tiny_bundle_path.read_text()), how, tiny_circuit)))
    r = run("verify", "--url", node.url, bad)
    assert r.exit_code == 1, r.output
    assert r.stdout.startswith(f"invalid: {bad}: ")


def test_verify_url_unreachable_node_exits_3(tiny_bundle_path: Path) -> None:
    """Nothing was verified: not the same answer as an invalid proof (1)."""
    url = f"http://127.0.0.1:{free_port()}"
    r = run("verify", "--url", url, tiny_bundle_path)
    assert r.exit_code == 3
    assert r.stderr == f"error: {url}: cannot reach the node (connection refused)\n"


@pytest.mark.parametrize("args,message", [
    (["--url", "ftp://example"], "not an http(s) URL"),
    (["--url", "URL", "extra-dir"], "with --url, verify takes only PROOF"),
])
def test_verify_url_usage_errors_exit_2(tiny_bundle_path: Path, node: ThreadServer,
                                        args: list[str], message: str) -> None:
    args = [node.url if a == "URL" else a for a in args]
    r = run("verify", *args, tiny_bundle_path)
    assert r.exit_code == 2 and message in r.stderr and r.stderr.count("\n") == 1


def test_infer_writes_a_bundle_that_verifies_locally(node: ThreadServer, tiny_circuit: CircuitDir,
                                                     token_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "proof.json"
    r = run("infer", "--url", node.url, "--circuit", "tiny_mlp", tiny_circuit.input, "-o", out,
            "--token-file", token_file)
    assert r.exit_code == 0, r.output
    bundle = ProofBundle.load(out)
    assert r.stdout == (f"prediction: {bundle.prediction}  (circuit tiny_mlp, proof "
                        f"{bundle.proof_hash()}, bundle {out})\n")
    assert verify_bundle(tiny_circuit, bundle).valid
    assert run("verify", "--url", node.url, out).exit_code == 0


def test_infer_json_with_token_from_env_and_npy_input(node: ThreadServer, tmp_path: Path) -> None:
    npy = tmp_path / "x.npy"
    np.save(npy, np.array([[0.25, 0.5, -0.5, 0.0]]))
    r = run("infer", "--url", node.url, "--circuit", "other_mlp", npy, "--json",
            env={"ZKVERIFY_TOKEN": TOKEN})
    assert r.exit_code == 0, r.output
    answer: dict[str, Any] = json.loads(r.stdout)
    assert answer["circuit"] == "other_mlp"
    assert [i["values"] for i in answer["bundle"]["inputs"]] == [[0.25, 0.5, -0.5, 0.0]]
    assert ProofBundle.from_obj(answer["bundle"]).proof_hash() == answer["proof_hash"]


@pytest.mark.parametrize("case,code,message", [
    ("no token", 2, "infer needs a token: set ZKVERIFY_TOKEN or pass --token-file"),
    ("wrong token", 3, "401 wrong bearer token"),
    ("wrong shape", 2, "422 input: expected 4 values for shape [1, 4], got 3"),
    ("unknown circuit", 2, "unknown circuit 'nope'"),
    ("several circuits", 2, "hosts 2 circuits (tiny_mlp, other_mlp); pick one with --circuit"),
    ("node down", 3, "cannot reach the node (connection refused)"),
    ("missing input", 2, "no such file"),
])
def test_infer_failures_exit_codes(node: ThreadServer, tiny_circuit: CircuitDir, tmp_path: Path,
                                   case: str, code: int, message: str) -> None:
    url, circuit, inp = node.url, ["--circuit", "tiny_mlp"], tiny_circuit.input
    env = {"ZKVERIFY_TOKEN": TOKEN}
    if case == "no token":
        env = {}
    elif case == "wrong token":
        env = {"ZKVERIFY_TOKEN": "nope"}
    elif case == "wrong shape":
        inp = tmp_path / "short.json"
        inp.write_text("[1, 2, 3]")
    elif case == "unknown circuit":
        circuit = ["--circuit", "nope"]
    elif case == "several circuits":
        circuit = []
    elif case == "node down":
        url = f"http://127.0.0.1:{free_port()}"
    elif case == "missing input":
        inp = tmp_path / "missing.json"
    out = tmp_path / "proof.json"
    r = run("infer", "--url", url, *circuit, inp, "-o", out, env=env)
    assert r.exit_code == code, r.output
    assert r.stderr.startswith("error: ") and message in r.stderr and r.stderr.count("\n") == 1
    assert not out.exists() and TOKEN not in r.output


@pytest.mark.parametrize("case,message", [
    ("missing dir", "not a circuit directory"),
    ("same circuit twice", "circuit id 'tiny_mlp' is already hosted from"),
    ("missing token file", "cannot read the token file"),
    ("empty token file", "expected one line holding the token"),
])
def test_serve_refuses_to_start_with_a_usage_error(tiny_circuit: CircuitDir, tmp_path: Path,
                                                   case: str, message: str) -> None:
    dirs, extra = [tiny_circuit.path], []
    if case == "missing dir":
        dirs = [tmp_path / "nope"]
    elif case == "same circuit twice":
        dirs = [tiny_circuit.path, tiny_circuit.path]
    elif case == "missing token file":
        extra = ["--token-file", tmp_path / "missing"]
    else:
        (tmp_path / "empty").write_text("\n")
        extra = ["--token-file", tmp_path / "empty"]
    r = run("serve", *dirs, "--db", tmp_path / "db.sqlite3", "--port", free_port(), *extra)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ") and message in r.stderr and r.stderr.count("\n") == 1
