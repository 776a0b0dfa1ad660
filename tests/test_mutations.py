"""Property: no mutation of a genuine bundle's claims, hashes, visibility or proof bytes yields
`valid`, on either proof check (ezkl in process, the Solidity verifier on an EVM), and every
rejection names the field it found wrong."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zkverify import evm
from zkverify.manifest import CircuitDir
from zkverify.verdict import FIELD_MODULUS, ProofCheck, decide
from zkverify.verifying import ezkl_check, load_public

from .service_fixtures import tampered

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10, 10),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=4))
HEX64 = st.text("0123456789abcdef", min_size=64, max_size=64)
FELT = st.integers(0, FIELD_MODULUS - 1).map(lambda v: v.to_bytes(32, "little").hex())


@st.composite
def mutation(draw: st.DrawFn) -> tuple[str, Any]:
    """(kind, argument): one change to one part of a bundle."""
    kind = draw(st.sampled_from([
        "outputs", "inputs", "prediction", "circuit", "visibility", "proof_byte", "instance",
        "instance_followed", "hex_proof", "drop_key",
    ]))
    arg: Any
    if kind in ("outputs", "inputs"):
        arg = (draw(st.integers(0, 3)), draw(st.one_of(
            st.floats(allow_nan=False, allow_infinity=False), JSON_SCALARS)))
    elif kind == "prediction":
        arg = draw(st.one_of(JSON_SCALARS, st.lists(JSON_SCALARS, max_size=3)))
    elif kind == "circuit":
        arg = (draw(st.sampled_from(["model_sha256", "settings_sha256", "vk_sha256", "id"])),
               draw(HEX64))
    elif kind == "visibility":
        arg = (draw(st.sampled_from(["input", "output", "param"])),
               draw(st.sampled_from(["public", "private", "hashed", "fixed", "Public", ""])))
    elif kind == "proof_byte":
        arg = (draw(st.integers(0, 10_000)), draw(st.integers(1, 255)))
    elif kind in ("instance", "instance_followed"):
        arg = (draw(st.integers(0, 5)), draw(FELT))
    elif kind == "hex_proof":
        arg = draw(st.text("0123456789abcdefABCDEF", min_size=2, max_size=8))
    else:
        arg = draw(st.sampled_from(["ezkl_version", "circuit", "proof", "visibility", "kind",
                                    "inputs", "outputs"]))
    return kind, arg


# The fields a rejection may name for each kind of change.
FIELDS = {
    "outputs": {"outputs[0].values"}, "inputs": {"inputs[0].values"},
    "prediction": {"outputs[0].prediction"},
    "circuit": {"circuit.model_sha256", "circuit.settings_sha256", "circuit.vk_sha256",
                "circuit.id"},
    "visibility": {"visibility"}, "proof_byte": {"proof"},
    "instance": {"proof.instances", "inputs[0].values", "outputs[0].values"},
    # A followed felt beyond 2**53 has no exact JSON number, so the claim cannot follow it.
    "instance_followed": {"proof", "proof.instances", "inputs[0].values", "outputs[0].values"},
    "hex_proof": {"proof.hex_proof"},
    "drop_key": {"ezkl_version", "circuit", "proof", "visibility", "kind", "inputs", "outputs"},
}


def apply(bundle: dict[str, Any], kind: str, arg: Any, cd: CircuitDir) -> dict[str, Any] | None:
    """The mutated bundle, or None when the change would leave it as it was."""
    b = copy.deepcopy(bundle)
    p = b["proof"]
    if kind in ("outputs", "inputs"):
        i, value = arg
        row = b[kind][0]["values"]
        if row[i % len(row)] == value and type(value) is float:
            return None
        row[i % len(row)] = value
    elif kind == "prediction":
        out = b["outputs"][0]
        if arg == out["prediction"] and type(arg) is type(out["prediction"]):
            return None
        out["prediction"] = arg
    elif kind == "circuit":
        key, value = arg
        if b["circuit"][key] == value:
            return None
        b["circuit"][key] = value
    elif kind == "visibility":
        key, value = arg
        if b["visibility"][key] == value:
            return None
        b["visibility"][key] = value
    elif kind == "proof_byte":
        i, x = arg
        p["proof"][i % len(p["proof"])] ^= x
        p["hex_proof"] = "0x" + bytes(p["proof"]).hex()
    elif kind in ("instance", "instance_followed"):
        i, felt = arg
        col = p["instances"][0]
        if col[i % len(col)] == felt:
            return None
        col[i % len(col)] = felt
        if kind == "instance_followed":
            return tampered(b, "refollow", cd)
    elif kind == "hex_proof":
        p["hex_proof"] = p["hex_proof"][:-len(arg)] + arg
        if p["hex_proof"] == bundle["proof"]["hex_proof"]:
            return None
    else:
        b.pop(arg)
    return b


@pytest.fixture(scope="module")
def evm_proof_check(tiny_circuit: CircuitDir) -> ProofCheck:
    return evm.evm_check(evm.load_verifier(tiny_circuit))[0]


def check_all(tiny_circuit: CircuitDir, bundle: dict[str, Any], m: tuple[str, Any],
              check: ProofCheck) -> None:
    kind, arg = m
    mutated = apply(bundle, kind, arg, tiny_circuit)
    if mutated is None:
        return
    v = decide(load_public(tiny_circuit), mutated, check, checked_by="test")
    assert not v.valid, (kind, arg)
    assert v.field in FIELDS[kind], (kind, arg, v.field, v.reason)
    assert v.prediction is None and v.outputs is None and v.inputs is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=mutation())
def test_no_mutation_is_valid_with_ezkl(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                        m: tuple[str, Any]) -> None:
    check_all(tiny_circuit, json.loads(tiny_bundle_path.read_text()), m, ezkl_check)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=mutation())
def test_no_mutation_is_valid_on_the_evm(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                         evm_proof_check: ProofCheck, m: tuple[str, Any]) -> None:
    check_all(tiny_circuit, json.loads(tiny_bundle_path.read_text()), m, evm_proof_check)


def test_the_genuine_bundle_is_valid_on_both(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                             evm_proof_check: ProofCheck) -> None:
    """The property above means something only if the unmutated bundle passes."""
    raw = json.loads(tiny_bundle_path.read_text())
    for check in (ezkl_check, evm_proof_check):
        assert decide(load_public(tiny_circuit), raw, check, checked_by="test").valid
