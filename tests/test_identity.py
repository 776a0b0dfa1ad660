"""A circuit's public identity: the card and its id, `fetch` from a node that is not trusted,
`verify --circuit-id` pinning one circuit, and a node that needs a full circuit directory."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from zkverify.card import Card
from zkverify.cli import cli
from zkverify.manifest import CircuitDir

from .netutil import free_port
from .service_fixtures import ThreadServer


def run(*args: Any) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


def card_id(cd: CircuitDir) -> str:
    return Card.load(cd.card).circuit_id


def test_the_id_is_a_pure_function_of_the_circuit(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    from zkverify.card import canonical_json

    card = Card.load(tiny_circuit.card)
    data = json.loads(tiny_circuit.card.read_text())
    assert card.circuit_id == __import__("hashlib").sha256(canonical_json(data)).hexdigest()
    assert len(card.circuit_id) == 64 and set(card.circuit_id) <= set("0123456789abcdef")
    text = tiny_circuit.card.read_text()
    assert "http" not in text and "created_at" not in text and "2026" not in text
    (tmp_path / "c.json").write_text(json.dumps(data, indent=4, sort_keys=False))
    assert Card.load(tmp_path / "c.json").circuit_id == card.circuit_id  # layout does not matter


def test_fetch_then_verify_trusting_only_the_id(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                                tmp_path: Path) -> None:
    cid = card_id(tiny_circuit)
    with ThreadServer([tiny_circuit.path], tmp_path / "db") as s:
        code, out, err = run("fetch", s.url, cid, "-o", tmp_path / "pub", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["circuit_id"] == cid and info["name"] == "tiny_mlp"
    assert sorted(p.name for p in (tmp_path / "pub").iterdir()) == sorted(
        ["card.json", "settings.json", "vk.key", "kzg.srs"])  # never pk, compiled, onnx
    code, out, _ = run("verify", tmp_path / "pub", tiny_bundle_path, "--circuit-id", cid, "--json")
    assert code == 0 and json.loads(out)["circuit_id"] == cid


def test_fetch_refuses_what_does_not_match_the_id(circuit_copy: CircuitDir, tmp_path: Path) -> None:
    cid = card_id(circuit_copy)
    with ThreadServer([circuit_copy.path], tmp_path / "db") as s:
        # The node now serves other settings than its card names.
        settings = json.loads(circuit_copy.settings.read_text())
        settings["timestamp"] = 1
        circuit_copy.settings.write_text(json.dumps(settings))
        code, _, err = run("fetch", s.url, cid, "-o", tmp_path / "a")
        assert code == 1 and "settings.json does not match settings_sha256" in err
        # ... and a card that is not the one the id names.
        card = json.loads(circuit_copy.card.read_text())
        card["name"] = "trusted-bank-model"
        circuit_copy.card.write_text(json.dumps(card))
        code, _, err = run("fetch", s.url, cid, "-o", tmp_path / "b")
        assert code == 1 and f"not {cid}" in err and err.count("\n") == 1
        code, _, err = run("fetch", s.url, "0" * 64, "-o", tmp_path / "c")
        assert code == 3 and "unknown circuit" in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no half-fetched dir


def test_fetch_usage_and_node_down(tmp_path: Path) -> None:
    code, _, err = run("fetch", "http://127.0.0.1:1", "abc", "-o", tmp_path / "x")
    assert code == 2 and "not a circuit id" in err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    code, _, err = run("fetch", "http://127.0.0.1:1", "a" * 64, "-o", tmp_path / "full")
    assert code == 2 and "not an empty directory" in err
    code, _, err = run("fetch", f"http://127.0.0.1:{free_port()}", "a" * 64, "-o", tmp_path / "y")
    assert code == 3 and "cannot reach the node" in err


def test_circuit_id_pins_one_circuit(tiny_circuit: CircuitDir, other_circuit: CircuitDir,
                                     tiny_bundle_path: Path, tmp_path: Path) -> None:
    from zkverify.proving import prove

    other_bundle = prove(other_circuit.path, other_circuit.input, tmp_path / "other.json")
    assert other_bundle.prediction is not None
    pinned = card_id(tiny_circuit)
    # The other circuit's genuine bundle with its own files: valid unpinned, invalid pinned.
    code, _, _ = run("verify", other_circuit.path, tmp_path / "other.json")
    assert code == 0
    for cmd in (("verify",), ("evm", "verify")):
        code, out, err = run(*cmd, other_circuit.path, tmp_path / "other.json", "--circuit-id",
                           pinned, "--json")
        v = json.loads(out)
        assert code == 1 and v["valid"] is False and v["field"] == "circuit", (cmd, err)
        assert "pinned --circuit-id" in v["reason"] and v["prediction"] is None
    code, _, _ = run("verify", tiny_circuit.path, tiny_bundle_path, "--circuit-id", pinned)
    assert code == 0
    code, _, err = run("verify", tiny_circuit.path, tiny_bundle_path, "--circuit-id", pinned.upper())
    assert code == 2 and "not a circuit id" in err


def test_circuit_id_with_a_node(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                tmp_path: Path) -> None:
    with ThreadServer([tiny_circuit.path], tmp_path / "db") as s:
        code, _, _ = run("verify", "--url", s.url, tiny_bundle_path, "--circuit-id",
                         card_id(tiny_circuit))
        assert code == 0
        code, out, _ = run("verify", "--url", s.url, tiny_bundle_path, "--circuit-id", "f" * 64)
        assert code == 1 and "pinned --circuit-id" in out


def test_inspect_a_public_only_directory(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    for name in ("card.json", "settings.json", "vk.key", "kzg.srs"):
        shutil.copyfile(tiny_circuit.file(name), tmp_path / name)
    code, out, _ = run("inspect", tmp_path, "--json")
    assert code == 0 and json.loads(out)["circuit_id"] == card_id(tiny_circuit)
    code, out, _ = run("inspect", tmp_path)
    assert code == 0 and "tiny_mlp" in out and "local-dev" in out


def test_serve_needs_a_full_circuit_directory(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    pub = tmp_path / "pub"
    pub.mkdir()
    for name in ("card.json", "settings.json", "vk.key", "kzg.srs"):
        shutil.copyfile(tiny_circuit.file(name), pub / name)
    code, _, err = run("serve", pub, "--db", tmp_path / "db", "--port", str(free_port()))
    assert code == 2 and err.count("\n") == 1
    assert "only a circuit's public files" in err and "serve needs the full circuit" in err


@pytest.mark.parametrize("name", ["pk.key", "model.compiled", "network.onnx"])
def test_prover_files_are_never_served(tiny_circuit: CircuitDir, tmp_path: Path, name: str) -> None:
    import httpx

    with ThreadServer([tiny_circuit.path], tmp_path / "db") as s:
        r = httpx.get(f"{s.url}/v1/circuits/{card_id(tiny_circuit)}/files/{name}")
    assert r.status_code == 404


@pytest.mark.parametrize("edit", [
    lambda c: c.pop("format"),
    lambda c: c["srs"].update(logrows="10"),
    lambda c: c.update(trusted=True),
    lambda c: c["inputs"][0].update(shape=[1.0, 4.0]),
])
def test_a_card_is_read_as_strictly_as_the_page_reads_it(tiny_circuit: CircuitDir, tmp_path: Path,
                                                         edit: Any) -> None:
    from zkverify.errors import CircuitError

    card = json.loads(tiny_circuit.card.read_text())
    edit(card)
    (tmp_path / "card.json").write_text(json.dumps(card))
    with pytest.raises(CircuitError, match="not a zkverify circuit card"):
        Card.load(tmp_path / "card.json")
