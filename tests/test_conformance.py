"""The conformance vectors (tests/conformance/) through Python's one verdict function, with each
proof check Python has: ezkl in process and the circuit's Solidity verifier on an EVM. The page
runs the same vectors (tests/test_conformance_js.py); every path must give each case's answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from zkverify import evm
from zkverify.errors import BundleError, CircuitError
from zkverify.files import read_json
from zkverify.manifest import CircuitDir
from zkverify.verdict import ProofCheck, decide
from zkverify.verifying import ezkl_check, load_public

HERE = Path(__file__).parent / "conformance"
CASES = sorted((HERE / "cases").glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = read_json(path)  # parses integers of any length, as verify does
    return data


def answer(case: dict[str, Any], check: ProofCheck, checked_by: str) -> dict[str, Any]:
    """The verdict on a case, in the vectors' terms: valid, invalid (with field) or error."""
    try:
        public = load_public(HERE / "circuits" / case["circuit"])
        v = decide(public, case["bundle"], check, checked_by=checked_by)
    except (CircuitError, BundleError) as e:
        return {"verdict": "error", "field": None, "reason": str(e)}
    return {"verdict": "valid" if v.valid else "invalid", "field": v.field, "reason": v.reason,
            "verdict_obj": v}


def assert_answer(case: dict[str, Any], got: dict[str, Any]) -> None:
    want = case["expect"]
    assert got["verdict"] == want["verdict"], (case["name"], got["reason"])
    assert got["field"] == want["field"], (case["name"], got["reason"])
    assert want["reason"] in got["reason"], (case["name"], got["reason"])
    v = got.get("verdict_obj")
    if v is None:
        return
    if want["verdict"] == "valid":
        assert v.proof_hash == want.get("proof_hash", v.proof_hash)
        assert v.circuit == case["circuit"]  # the card's name, never the bundle's
        # What the case pins of a valid verdict: proven values only, named as the card names them.
        for key in ("prediction", "by_output", "inputs", "outputs", "input_names",
                    "output_names", "format", "predictions", "batch"):
            if key in want:
                assert getattr(v, key) == want[key], (case["name"], key)
    else:  # an invalid verdict reports nothing the bundle claims
        assert v.prediction is None and v.outputs is None and v.inputs is None
        assert v.predictions is None and v.batch is None


def test_vectors_exist() -> None:
    names = {load(p)["name"] for p in CASES}
    assert len(CASES) >= 100 and {"valid", "v2_valid_two_io", "v2_valid_no_input",
                                  "batched_valid_real_2", "batched_valid_real_4"} <= names
    # Both formats: the first's bundles still verify, the second's on circuits of every kind.
    formats = {b.get("format") for b in (load(p)["bundle"] for p in CASES) if isinstance(b, dict)}
    assert {"zkverify.proof-bundle/1", "zkverify.proof-bundle/2"} <= formats
    assert {load(p)["expect"]["verdict"] for p in CASES} == {"valid", "invalid", "error"}
    # Batched circuits (card batch_size): kind "batched", {size, real}, padding checked.
    kinds = {b.get("kind") for b in (load(p)["bundle"] for p in CASES) if isinstance(b, dict)}
    assert {"single", "batched"} <= kinds


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_vector_with_ezkl(path: Path) -> None:
    case = load(path)
    assert_answer(case, answer(case, ezkl_check, "ezkl"))


@pytest.fixture(scope="module")
def evm_checks() -> dict[str, ProofCheck]:
    """One compiled Solidity verifier per conformance circuit (solcjs, cached by source)."""
    checks = {}
    for d in (HERE / "circuits").iterdir():
        try:
            load_public(d)
        except CircuitError:
            continue  # a circuit whose files are wrong never reaches a proof check
        checks[d.name] = evm.evm_check(evm.load_verifier(CircuitDir(d)))[0]
    return checks


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_vector_on_the_evm(path: Path, evm_checks: dict[str, ProofCheck]) -> None:
    case = load(path)
    check = evm_checks.get(case["circuit"], ezkl_check)
    assert_answer(case, answer(case, check, "evm"))
