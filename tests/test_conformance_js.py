"""The page's verdict rules (web/bundle.js) on the conformance vectors, in node.

Every case in tests/conformance/cases runs through bundle.js's ``decide`` with the proof check
done by @ezkljs/engine's node build (the page uses its web build), and must reach the verdict and
name the field the case expects: the same vectors zkverify/verdict.py answers in Python. The
helpers bundle.js uses for that (JSON as Python reads it, exact claims, the canonical proof hash,
the circuit id, the ceremony table) are checked against Python's own computations.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from zkverify.card import CEREMONY_SRS_SHA256, Card
from zkverify.files import read_json

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "conformance"
WEB = ROOT / "web"
P = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (ROOT / "node_modules" / "@ezkljs" / "engine" / "package.json").is_file():
        pytest.fail(f"{ROOT / 'node_modules'} has no @ezkljs/engine: run `npm ci` in {ROOT}")
    return node


def run_conformance(vectors: Path, *names: str) -> dict[str, Any]:
    """Run tests/conformance.mjs over a vectors directory; returns {case name: verdict}."""
    run = subprocess.run(
        [_node(), str(ROOT / "tests" / "conformance.mjs"), str(vectors), *names],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    results: dict[str, Any] = json.loads(run.stdout)["results"]
    return results


def run_js(body: str, data: Any) -> Any:
    """Run an ES module body with `bundle` (web/bundle.js) and `data` in scope; prints JSON."""
    src = (
        f"import * as bundle from {json.dumps((WEB / 'bundle.js').as_uri())};\n"
        "const data = JSON.parse(process.argv[1]);\n" + body
    )
    run = subprocess.run(
        [_node(), "--input-type=module", "-e", src, json.dumps(data)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def load_cases() -> list[dict[str, Any]]:
    return [read_json(p) for p in sorted((VECTORS / "cases").glob("*.json"))]


CASES = load_cases() if (VECTORS / "cases").is_dir() else []


@pytest.fixture(scope="module")
def page_verdicts() -> dict[str, Any]:
    """Every case's verdict from the page's rules: one node process for all of them."""
    return run_conformance(VECTORS)


def test_the_vectors_are_there() -> None:
    # A vectors folder that went missing must not make the parametrized test below pass vacuously.
    verdicts = {c["expect"]["verdict"] for c in CASES}
    assert {"valid", "invalid", "error"} <= verdicts, sorted(verdicts)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_page_rules_reach_the_expected_verdict(case: dict[str, Any], page_verdicts: dict[str, Any]) -> None:
    got = page_verdicts[case["name"]]
    # expect_page: where the page must refuse what Python checks (a Freivalds circuit).
    want = case.get("expect_page", case["expect"])
    assert (got["verdict"], got["field"]) == (want["verdict"], want["field"]), got["reason"]
    assert want["reason"] in got["reason"]
    assert got["valid"] is (want["verdict"] == "valid")
    # What the case pins besides the verdict: the proof hash, the proven values, the shown name.
    for key, shown in (("proof_hash", "proof_hash"), ("prediction", "prediction"),
                       ("by_output", "by_output"), ("inputs", "inputs"), ("outputs", "outputs"),
                       ("input_names", "input_names"), ("output_names", "output_names"),
                       ("format", "format"), ("predictions", "predictions"), ("batch", "batch"),
                       ("shown_name", "circuit")):
        if key in want:
            assert _same(got[shown], want[key]), key
    if want["verdict"] != "valid":
        # An invalid or error verdict reports no values at all, proven or claimed.
        assert (got["inputs"], got["outputs"], got["prediction"], got["by_output"]) == (None,) * 4
        assert (got["predictions"], got["batch"]) == (None, None)
        return
    card = Card.load(VECTORS / "circuits" / case["circuit"] / "card.json")
    b = case["bundle"]
    assert got["circuit"] == card.name
    assert got["circuit_id"] == card.circuit_id
    assert got["weights_bound"] is card.weights_bound
    assert got["input_names"] == [t.name for t in card.input_tensors()]
    assert got["output_names"] == [t.name for t in card.output_tensors()]
    srs_sha = hashlib.sha256((VECTORS / "circuits" / case["circuit"] / "kzg.srs").read_bytes()).hexdigest()
    assert got["srs"] == card.srs_provenance(srs_sha)
    # The claims of a valid bundle are exactly what the proof says: the page reports the same.
    if b["format"] == "zkverify.proof-bundle/1":
        assert _same(got["inputs"], b.get("inputs")) and _same(got["outputs"], b.get("outputs"))
        assert _same(got["prediction"], b.get("prediction"))
    else:
        for key in ("inputs", "outputs"):
            claimed = [e["values"] for e in b[key]]
            assert _same(got[key], None if None in claimed else claimed), key
        assert (got["input_hashes"] or []) == [e["hash"] for e in b["inputs"] if e["hash"]]
        assert (got["output_hashes"] or []) == [e["hash"] for e in b["outputs"] if e["hash"]]
    assert got["proof_hash"] == canonical_proof_hash(b["proof"])
    # One prediction per real input (the bundle's own reading of its claims: equal for a valid
    # one), and the batch only for a batched circuit.
    if b["format"] == "zkverify.proof-bundle/2":
        from zkverify.manifest import ProofBundle

        assert _same(got["predictions"], ProofBundle.model_validate(b).predictions)
    assert got["batch"] == (None if not card.batch_size else b["batch"])


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal kinds: a boolean is not 1, though an integral float may stand for
    an int (as Python's verdict accepts 5.0 for a token id and reports the proven 5)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return (type(a) is bool) == (type(b) is bool) and a == b


def canonical_proof_hash(proof: dict[str, Any]) -> str:
    """docs/VERDICT.md's proof hash, computed here from the spec: bytes || instances big-endian."""
    h = hashlib.sha256(bytes(proof["proof"]))
    for f in (f for col in proof["instances"] for f in col):
        h.update(int.from_bytes(bytes.fromhex(f), "little").to_bytes(32, "big"))
    return h.hexdigest()


def test_ceremony_tables_agree() -> None:
    got = run_js("console.log(JSON.stringify(bundle.CEREMONY_SRS_SHA256));", None)
    assert {int(k): v for k, v in got.items()} == CEREMONY_SRS_SHA256


def test_circuit_ids_match_python() -> None:
    cards = sorted((VECTORS / "circuits").glob("*/card.json"))
    assert cards
    got = run_js(
        "const ids = [];\n"
        "for (const t of data) ids.push(await bundle.circuitId(bundle.parseCard(t)));\n"
        "console.log(JSON.stringify(ids));",
        [p.read_text() for p in cards],
    )
    assert got == [Card.load(p).circuit_id for p in cards]


def test_circuit_ids_of_edge_cards_match_python(tmp_path: Path) -> None:
    """Cards Python loads with null fields (left out of the id, as Python dumps the card),
    defaults (param_hashes) and either format: the page hashes the same bytes."""
    base = json.loads((VECTORS / "circuits" / "two_io" / "card.json").read_text())
    v1 = json.loads((VECTORS / "circuits" / "tiny" / "card.json").read_text())
    variants = [
        {**base, "prediction": None},
        {**base, "inputs": [{**t, "name": None} for t in base["inputs"]]},
        {**base, "outputs": [{**t, "prediction": None, "dtype": None} for t in base["outputs"]]},
        {k: v for k, v in v1.items() if k != "param_hashes"},
        {**v1, "prediction": None},
        {**v1, "inputs": [{"shape": [1, 4], "name": "x", "dtype": "float64"}]},
    ]
    texts = [json.dumps(c) for c in variants]
    ids = []
    for i, text in enumerate(texts):
        (tmp_path / f"{i}.json").write_text(text)
        ids.append(Card.load(tmp_path / f"{i}.json").circuit_id)
    got = run_js(
        "const ids = [];\n"
        "for (const t of data) ids.push(await bundle.circuitId(bundle.parseCard(t)));\n"
        "console.log(JSON.stringify(ids));",
        texts,
    )
    assert got == ids
    # A null field is no field: the id of the card with "prediction": null is the card's own.
    assert ids[0] == Card.load(VECTORS / "circuits" / "two_io" / "card.json").circuit_id


@pytest.mark.parametrize("edit", [
    {"format": "zkverify.card/3"}, {"inputs": [{"shape": [1, 3], "scale": 7}]},
    {"outputs": [{"shape": [1, 2], "prediction": "top1"}]}, {"prediction": "top1"},
    {"inputs": [{"shape": [1.0, 3]}]}, {"inputs": [{"shape": [1, 3], "name": 5}]},
])
def test_page_refuses_the_cards_python_refuses(tmp_path: Path, edit: dict[str, Any]) -> None:
    from zkverify.errors import CircuitError

    card = {**json.loads((VECTORS / "circuits" / "two_io" / "card.json").read_text()), **edit}
    (tmp_path / "card.json").write_text(json.dumps(card))
    with pytest.raises(CircuitError):
        Card.load(tmp_path / "card.json")
    got = run_js(
        "try { bundle.parseCard(data); console.log('null'); }\n"
        "catch (e) { console.log(JSON.stringify(e.constructor.name)); }",
        json.dumps(card),
    )
    assert got == "VerdictError"


def test_canonical_json_matches_python() -> None:
    values = [
        {"b": 1, "a": [True, False, None], "é": "ünï\u2028", "A": {"z": "\n\t\"\\\u0001\u007f"}},
        {"n": 12345678901234567890123, "neg": -7, "zero": 0, "nested": [[], {}]},
        {"\U0001f600": 1, "\uffff": 2, "a": "\U0001f600"},
    ]
    got = run_js(
        "console.log(JSON.stringify(data.map((t) => bundle.canonicalJson(bundle.parsePyJson(t)))));",
        [json.dumps(v) for v in values],
    )
    assert got == [json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False) for v in values]


def test_json_reads_numbers_as_python_does() -> None:
    # [text, is an int in Python]: the page tells 1 from 1.0 (a class index from a float).
    texts = ["0", "-0", "1", "1.0", "1e0", "-12", "12345678901234567890123", "0.1", "-2.5e-3",
             "1E400", "NaN", "Infinity", "-Infinity", "true", '"1"']  # fmt: skip
    got = run_js(
        "const kind = (v) => typeof v === 'bigint' ? ['int', v.toString()]\n"
        "  : typeof v === 'number' ? ['float', String(v)] : [typeof v, String(v)];\n"
        "console.log(JSON.stringify(data.map((t) => kind(bundle.parsePyJson(t)))));",
        texts,
    )
    for text, (kind, shown) in zip(texts, got, strict=True):
        v = json.loads(text)
        if type(v) is int:
            assert (kind, shown) == ("int", str(v)), text
        elif type(v) is float:
            assert kind == "float", text
            assert (math.isnan(v) and shown == "NaN") or float(shown) == v, text
        else:
            assert kind in ("boolean", "string"), text


@pytest.mark.parametrize("text", ["{", "[1,]", "{'a': 1}", "01", "1.", ".5", "\ufeff{}", "[1] x", '"\x01"'])
def test_json_rejects_what_python_rejects(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    got = run_js(
        "try { bundle.parsePyJson(data); console.log('null'); }\n"
        "catch (e) { console.log(JSON.stringify(e.constructor.name)); }",
        text,
    )
    assert got == "JsonError"


def test_exact_claims_match_fractions() -> None:
    """claimMatches(c, f, s) holds exactly when c·2^s == f, for floats and ints, at many scales."""
    rng = random.Random(10)
    rows: list[tuple[Any, int, int]] = []
    for _ in range(300):
        s = rng.choice([0, 1, 7, 13, 30, 60])
        f = rng.choice([rng.randrange(-(2**20), 2**20), rng.randrange(-(2**70), 2**70)])
        exact = f / 2**s
        near = [exact, math.nextafter(exact, math.inf), math.nextafter(exact, -math.inf), exact + 4e-10]
        rows += [(c, f, s) for c in near]
        rows.append((f >> s, f, s))  # an int claim: right only when f is a multiple of 2^s
    # Ints travel as strings so node reads them as BigInt, floats as JSON numbers.
    data = [[c if isinstance(c, float) else str(c), str(f), s] for c, f, s in rows]
    got = run_js(
        "console.log(JSON.stringify(data.map(([c, f, s]) =>\n"
        "  bundle.claimMatches(typeof c === 'string' ? BigInt(c) : c, BigInt(f), s))));",
        data,
    )
    want = [Fraction(c) * 2**s == f for c, f, s in rows]
    assert got == want
    assert any(want) and not all(want)


def test_proof_hash_follows_the_spec() -> None:
    rng = random.Random(3)
    proof = {"proof": [rng.randrange(256) for _ in range(100)],
             "instances": [[rng.randrange(P).to_bytes(32, "little").hex() for _ in range(5)]]}
    got = run_js(
        "const flat = data.instances.flat();\n"
        "console.log(JSON.stringify(await bundle.proofHash(Uint8Array.from(data.proof), flat)));",
        proof,
    )
    assert got == canonical_proof_hash(proof)


def test_page_refuses_a_freivalds_circuit_in_one_line(tmp_path: Path) -> None:
    """Engine 21 cannot check ezkl 23's Freivalds products (tests/test_wasm_freivalds.py): the
    page refuses such a circuit before any proof check, instead of calling a valid proof invalid."""
    import hashlib
    import shutil

    src = VECTORS / "circuits" / "tiny"
    dest = tmp_path / "circuits" / "tiny"
    shutil.copytree(src, dest)
    settings = json.loads((dest / "settings.json").read_text())
    settings["einsum_params"]["total_einsum_col_size"] = 38
    (dest / "settings.json").write_text(json.dumps(settings))
    card = json.loads((dest / "card.json").read_text())
    card["settings_sha256"] = hashlib.sha256((dest / "settings.json").read_bytes()).hexdigest()
    (dest / "card.json").write_text(json.dumps(card))
    (tmp_path / "cases").mkdir()
    valid = read_json(VECTORS / "cases" / "valid.json")
    (tmp_path / "cases" / "freivalds.json").write_text(json.dumps({**valid, "name": "freivalds"}))
    got = run_conformance(tmp_path)["freivalds"]
    assert got["verdict"] == "error" and got["valid"] is False
    assert got["reason"].startswith("this circuit checks matrix products with Freivalds")
    assert "zkverify verify" in got["reason"] and "\n" not in got["reason"]
