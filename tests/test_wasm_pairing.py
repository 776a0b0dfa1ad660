"""The pairing the browser verifier rests on: @ezkljs/engine 21 checks Python ezkl 23 proofs.

ezkl 23 ships no JavaScript build, so the page uses the older engine, which accepts ezkl 23
proofs only once ``"transcript_type": "EVM"`` is added. An upgrade on either side that breaks
this must fail here, loudly, before a user's browser says "invalid" to a good proof.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from zkverify import engine
from zkverify.web import build_info, static_dir

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DIR = ROOT / "node_modules" / "@ezkljs" / "engine"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (ENGINE_DIR / "package.json").is_file():
        pytest.fail(f"{ENGINE_DIR} is missing: run `npm ci` in {ROOT}")
    return node


def test_static_dir_ships_the_built_page() -> None:
    info = build_info()
    files = {p.name for p in static_dir().iterdir()}
    assert {"index.html", "main.js", "style.css", "build-info.json", info["wasm"]} <= files
    wasm = gzip.decompress((static_dir() / info["wasm"]).read_bytes())
    assert wasm[:4] == b"\0asm"
    assert len(wasm) == info["wasm_bytes"]
    assert hashlib.sha256(wasm).hexdigest() == info["wasm_sha256"]


def test_assets_were_built_for_this_ezkl() -> None:
    # Bumping ezkl in pyproject.toml means rebuilding (node web/build.mjs) after this pairing
    # test passes with the new version; build-info.json records which ezkl it was built for.
    assert build_info()["ezkl_version"] == engine.ezkl_version()


def test_engine_21_verifies_an_ezkl_23_proof_and_rejects_a_flipped_byte(
    tiny_circuit: Any, tiny_bundle: Any, tmp_path: Path
) -> None:
    node = _node()
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(tiny_bundle.proof))
    run = subprocess.run(
        [
            node,
            str(ROOT / "tests" / "wasm_pairing.mjs"),
            str(proof),
            str(tiny_circuit.vk),
            str(tiny_circuit.settings),
            str(tiny_circuit.srs),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["engine_version"] == build_info()["engine_version"]
    assert result["proof_ezkl_version"] == engine.ezkl_version()
    assert result["as_given"] == {"valid": True, "ms": result["as_given"]["ms"], "error": None}
    flipped = result["flipped_byte"]
    assert flipped["valid"] is False
    assert flipped["error"], "a tampered proof must make the engine throw"


def test_committed_assets_match_a_fresh_build(tmp_path: Path) -> None:
    """web/ sources and node_modules rebuild into exactly what zkverify/web/static holds."""
    node = _node()
    out = tmp_path / "static"
    run = subprocess.run(
        [node, str(ROOT / "web" / "build.mjs"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    shipped = static_dir()
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in shipped.iterdir())
    wasm = build_info()["wasm"]
    for name in ("index.html", "main.js", "style.css", "build-info.json"):
        assert (out / name).read_bytes() == (shipped / name).read_bytes(), (
            f"zkverify/web/static/{name} is stale: run `node web/build.mjs` and commit"
        )
    # gzip bytes may differ between zlib versions; the wasm inside must not.
    assert gzip.decompress((out / wasm).read_bytes()) == gzip.decompress((shipped / wasm).read_bytes())
    assert (ENGINE_DIR / "web" / "ezkl_bg.wasm").read_bytes() == gzip.decompress(
        (shipped / wasm).read_bytes()
    )
