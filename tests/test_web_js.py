"""The page's own JavaScript (web/bundle.js, web/sha256.js) checked in node against Python.

The page hashes circuit files with a pure-JS sha256 where crypto.subtle is missing (plain http
from another host), and decodes field elements itself; both must agree with what zkverify's
Python side computes, or the page would call good bundles invalid.
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


def test_js_claim_rules_match_verify(tiny_bundle: Any, tiny_circuit: Any) -> None:
    b = tiny_bundle.model_dump(mode="json")
    settings = tiny_circuit.settings_json()
    body = """
    const b = data.bundle;
    const decoded = bundle.decodePublic(b.proof, data.settings);
    const as = (edit) => { const c = structuredClone(b); edit(c); return bundle.claimProblems(c, decoded); };
    console.log(JSON.stringify({
      decoded,
      genuine: as(() => {}),
      output: as((c) => { c.outputs[0][1] += 2 ** -7; }),
      input: as((c) => { c.inputs[0][0] = -c.inputs[0][0] - 1; }),
      prediction: as((c) => { c.prediction = c.prediction + 1; }),
      nulled: as((c) => { c.outputs = null; }),
    }));
    """
    got = run_js(body, {"bundle": b, "settings": settings})
    assert got["decoded"]["inputs"] == b["inputs"]
    assert got["decoded"]["outputs"] == b["outputs"]
    assert got["genuine"] == []
    assert got["output"] == ["the bundle's outputs do not match the public outputs in the proof"]
    assert got["input"] == ["the bundle's inputs do not match the public inputs in the proof"]
    assert got["prediction"] == ["the bundle's prediction does not follow from the proven outputs"]
    assert got["nulled"] == ["the bundle's outputs do not match the public outputs in the proof"]


@pytest.mark.parametrize("inp, out, param", [
    ("public", "public", "hashed"), ("hashed", "public", "fixed"), ("public", "hashed", "hashed"),
])
def test_js_decodes_every_visibility_like_python(tiny_circuit: Any, tmp_path: Path, inp: str,
                                                 out: str, param: str) -> None:
    """Same layout as zkverify.prove.decode_instances on real proofs, and the same rejections."""
    from zkverify.circuit import build
    from zkverify.prove import prove

    from .conftest import TINY_RUN_ARGS, tiny_config

    cfg = tiny_config(input_visibility=inp, output_visibility=out, param_visibility=param,
                      run_args={**TINY_RUN_ARGS, "logrows": 12})
    res = build(tiny_circuit.onnx, tmp_path / "c", cfg)
    b = prove(res.circuit.path, tiny_circuit.input).model_dump(mode="json")
    settings = json.loads(res.circuit.settings.read_text())
    short = json.loads(json.dumps(b))
    short["proof"]["instances"][0] = short["proof"]["instances"][0][:-1]
    got = run_js(
        "const d = bundle.decodePublic(data.b.proof, data.s);\n"
        "const s = bundle.decodePublic(data.short.proof, data.s);\n"
        "console.log(JSON.stringify({inputs: d.inputs, outputs: d.outputs,\n"
        "  problems: bundle.claimProblems(data.b, d), short: bundle.claimProblems(data.short, s)}));",
        {"b": b, "s": settings, "short": short},
    )
    assert got["inputs"] == b["inputs"] and got["outputs"] == b["outputs"]
    assert got["problems"] == []
    assert got["short"] and "public instances" in got["short"][0]
