"""The page's own JavaScript (web/bundle.js, web/sha256.js) checked in node against Python.

The page hashes circuit files with a pure-JS sha256 where crypto.subtle is missing (plain http
from another host), and decodes field elements itself; both must agree with what zkverify's
Python side computes, or the page would call good bundles invalid. The verdict rules themselves
run on the conformance vectors (tests/test_conformance_js.py).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from zkverify import engine

WEB = Path(__file__).resolve().parent.parent / "web"


def run_js(body: str, data: Any) -> Any:
    """Run an ES module body with `data` in scope; it prints one JSON value."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    src = (
        f"import * as bundle from {json.dumps((WEB / 'bundle.js').as_uri())};\n"
        f"import * as sha from {json.dumps((WEB / 'sha256.js').as_uri())};\n"
        "const data = JSON.parse(process.argv[1]);\n" + body
    )
    run = subprocess.run(
        [node, "--input-type=module", "-e", src, json.dumps(data)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_js_sha256_fallback_matches_hashlib(tiny_circuit: Any) -> None:
    # Lengths around the 55/56/64-byte padding edges, and a real verifying key.
    blobs = [bytes(range(256)) * 4, b"", b"abc"] + [b"x" * n for n in (55, 56, 63, 64, 65, 119, 120)]
    blobs.append(tiny_circuit.vk.read_bytes())
    got = run_js(
        "console.log(JSON.stringify(data.map((h) => sha.sha256Sync(Buffer.from(h, 'hex')))));",
        [b.hex() for b in blobs],
    )
    assert got == [hashlib.sha256(b).hexdigest() for b in blobs]


def test_js_felt_decoding_matches_ezkl(tiny_bundle: Any) -> None:
    felts = [f for col in tiny_bundle.proof["instances"] for f in col]
    felts += [engine.float_to_felt(v, 7) for v in (-1.5, -0.0078125, 0.0, 3.25, -200.0)]
    got = run_js("console.log(JSON.stringify(data.map((f) => bundle.feltToFloat(f, 7))));", felts)
    assert got == [engine.felt_to_float(f, 7) for f in felts]


@pytest.mark.parametrize("inp, out, param", [
    ("public", "public", "hashed"), ("hashed", "public", "fixed"), ("public", "hashed", "hashed"),
    ("public", "public", "private"),
])
def test_js_decodes_every_visibility_like_python(tiny_circuit: Any, tmp_path: Path, inp: str,
                                                 out: str, param: str) -> None:
    """Real proofs under each visibility: the page's rules find the same values as Python's
    decode_instances, and a proof one instance short is rejected by the instance count."""
    from zkverify.circuit import build
    from zkverify.proving import prove

    from .conftest import TINY_RUN_ARGS, tiny_config
    from .test_conformance_js import run_conformance

    cfg = tiny_config(input_visibility=inp, output_visibility=out, param_visibility=param,
                      run_args={**TINY_RUN_ARGS, "logrows": 12},
                      allow_unbound_weights=param == "private")
    res = build(tiny_circuit.onnx, tmp_path / "c", cfg)
    b = prove(res.circuit.path, tiny_circuit.input).model_dump(mode="json")
    # A vectors folder of two cases, run by the same node runner as the conformance vectors.
    vectors = tmp_path / "vectors"
    (vectors / "cases").mkdir(parents=True)
    shutil.copytree(res.circuit.path, vectors / "circuits" / "c")
    short = json.loads(json.dumps(b))
    short["proof"]["instances"][0] = short["proof"]["instances"][0][:-1]
    for name, bundle in (("genuine", b), ("short", short)):
        case = {"name": name, "circuit": "c", "bundle": bundle, "expect": None}
        (vectors / "cases" / f"{name}.json").write_text(json.dumps(case))
    got = run_conformance(vectors)
    assert got["genuine"]["verdict"] == "valid", got["genuine"]["reason"]
    for key in ("inputs", "outputs"):
        claimed = [e["values"] for e in b[key]]
        assert got["genuine"][key] == (None if None in claimed else claimed), key
    assert got["genuine"]["input_hashes"] == ([e["hash"] for e in b["inputs"]] if inp == "hashed" else None)
    assert got["genuine"]["output_hashes"] == ([e["hash"] for e in b["outputs"]] if out == "hashed" else None)
    assert (got["genuine"]["input_hashes"] is None) is (inp != "hashed")
    assert (got["genuine"]["output_hashes"] is None) is (out != "hashed")
    # Private params: valid, and the verdict says that nothing binds the weights.
    assert got["genuine"]["weights_bound"] is (param != "private")
    assert (got["short"]["verdict"], got["short"]["field"]) == ("invalid", "proof.instances")
    assert "public instances" in got["short"]["reason"]
