"""Write the conformance vectors: ``python tests/conformance/generate.py --v2`` (or ``--batched``).

``--batched`` (re)writes only the batched circuits (``batched``, ``batched_hashed``,
``batched_freivalds``: ``build --batch-size 4``) and the cases named ``batched_*``
(``tests/conformance/generate_batched.py``).

``--v2`` (re)writes the vectors of the second formats (``zkverify.card/2`` circuits and
``zkverify.proof-bundle/2`` bundles: circuits ``v2_tiny``, ``two_io``, ``two_io_hashed``,
``two_io_out_hashed``, ``bool_in``, ``no_input``, ``two_io_freivalds`` and the cases named
``v2_*``), leaving every
other circuit and case as it is. Those others are the first formats' vectors (card/1 circuits,
bundle/1 cases), written by this script before bundle/2 existed: they are the "bundles of the
first format still verify" vectors and are not regenerated (``--v1`` would rebuild them with
today's build, whose cards are card/2, converting the bundles to bundle/1: every file would
change and the card/1 circuits would be gone).

The first formats' vectors: ``--v1`` builds two tiny circuits (a classifier with public input
and output and fixed weights; a regressor with hashed input and hashed weights), copies their
public files here, proves one genuine bundle each, and writes one case per way a bundle can be
right or wrong (docs/VERDICT.md). Python (``tests/test_conformance.py``, ezkl and the EVM as
the proof check) and the page (``tests/test_conformance_js.py``, the WASM engine) must each
reach the expected verdict on every case. The vectors are committed: regenerate only when a
format changes, since a new dev SRS changes every file."""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS.parent))

PUBLIC = ("card.json", "settings.json", "vk.key", "kzg.srs")
LONG_INT = "<a 5000-digit integer>"
TINY = {"input_scale": 7, "param_scale": 7, "logrows": 10, "decomp_base": 32, "decomp_legs": 4}


def build(root: Path, factory: str, name: str, logrows: int = 10, classifier: bool = True,
          **vis: str) -> Path:
    from zkverify.circuit import BuildConfig
    from zkverify.circuit import build as run_build
    from zkverify.exporting import export_model

    model = root / f"{name}-model"
    export_model(f"{TESTS / 'tiny_model.py'}:{factory}", (1, 4), model)
    out = root / name
    run_build(model / "network.onnx", out, BuildConfig(name=name, calibrate=False,
                                                       run_args={**TINY, "logrows": logrows},
                                                       classifier=classifier, **vis))
    return out


def publish(cd: Path, name: str) -> Path:
    dest = HERE / "circuits" / name
    dest.mkdir(parents=True, exist_ok=True)
    for f in PUBLIC:
        shutil.copyfile(cd / f, dest / f)
        (dest / f).chmod(0o644)
    return dest


def prove(cd: Path) -> dict[str, Any]:
    """A genuine bundle of the current format (zkverify.proof-bundle/2) for the circuit."""
    from zkverify.proving import prove as run_prove

    data: dict[str, Any] = run_prove(cd, cd / "input.json").model_dump(mode="json")
    return data


def as_v1(b: dict[str, Any]) -> dict[str, Any]:
    """The same proof as a zkverify.proof-bundle/1 states it: value lists and one prediction."""
    from zkverify.manifest import ProofBundle

    v2 = ProofBundle.model_validate(b)
    return {"format": "zkverify.proof-bundle/1", "zkverify_version": b["zkverify_version"],
            "ezkl_version": b["ezkl_version"],
            "circuit": {k: v for k, v in b["circuit"].items() if k != "id"},
            "inputs": v2.input_values, "outputs": v2.output_values,
            "prediction": v2.prediction, "visibility": b["visibility"],
            "created_at": b["created_at"], "proof": b["proof"]}


def felt_add(felt: str, delta: int) -> str:
    from zkverify.verdict import FIELD_MODULUS, felt_int

    return ((felt_int(felt) + delta) % FIELD_MODULUS).to_bytes(32, "little").hex()


def follow_instances(b: dict[str, Any], circuit: str) -> None:
    """Rewrite the readable claims to follow the (edited) instances: only the proof can tell."""
    from zkverify.card import Card
    from zkverify.verdict import decode, proven_predictions, summary_prediction, tensor_claims

    card = Card.load(HERE / "circuits" / circuit / "card.json")
    settings = json.loads((HERE / "circuits" / circuit / "settings.json").read_text())
    proven = decode(card, settings, [f for col in b["proof"]["instances"] for f in col])
    if b["format"] == "zkverify.proof-bundle/1":
        b["inputs"], b["outputs"] = proven["inputs"], proven["outputs"]
        b["prediction"] = summary_prediction(proven_predictions(card, proven))
    else:
        b["inputs"], b["outputs"] = tensor_claims(card, proven)


def main_v1() -> None:
    """The first formats' vectors, as first written (bundles converted to bundle/1)."""
    from zkverify import engine

    for name in ("tiny", "tiny_hashed", "tiny_bad_srs"):
        shutil.rmtree(HERE / "circuits" / name, ignore_errors=True)
    for old in (HERE / "cases").glob("*.json"):
        if not old.name.startswith(("v2_", "batched_")):
            old.unlink()
    (HERE / "cases").mkdir(parents=True, exist_ok=True)
    cases: list[dict[str, Any]] = []

    def case(name: str, circuit: str, bundle: Any, verdict: str, field: str | None = None,
             reason: str = "", **extra: Any) -> None:
        cases.append({"name": name, "circuit": circuit, "bundle": bundle,
                      "expect": {"verdict": verdict, "field": field, "reason": reason, **extra}})

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["ZKVERIFY_CACHE_DIR"] = str(root / "cache")
        tiny = build(root, "tiny_mlp", "tiny")
        other = build(root, "other_mlp", "other")
        hashed = build(root, "tiny_mlp", "tiny_hashed", 12, False, input_visibility="hashed",
                       param_visibility="hashed")
        publish(tiny, "tiny")
        publish(hashed, "tiny_hashed")
        bad = publish(tiny, "tiny_bad_srs")  # the tiny circuit with one SRS byte changed
        srs = bytearray((bad / "kzg.srs").read_bytes())
        srs[-1] ^= 1
        (bad / "kzg.srs").write_bytes(bytes(srs))
        g = as_v1(prove(tiny))
        h = as_v1(prove(hashed))
        o = as_v1(prove(other))
        # Other weights, the hashed circuit's settings and pk: a genuine proof under its vk
        # whose only tell is the params-hash instance (hole 2 of the soundness issue).
        swapped_dir = root / "swapped"
        shutil.copytree(hashed, swapped_dir)
        shutil.copyfile(root / "other-model" / "network.onnx", swapped_dir / "network.onnx")
        engine.compile_circuit(swapped_dir / "network.onnx", swapped_dir / "model.compiled",
                               swapped_dir / "settings.json")
        engine.gen_witness(swapped_dir / "input.json", swapped_dir / "model.compiled",
                           root / "w.json")
        engine.prove(root / "w.json", swapped_dir / "model.compiled", hashed / "pk.key",
                     root / "p.json", hashed / "kzg.srs")
        swapped = copy.deepcopy(h)
        swapped["proof"] = json.loads((root / "p.json").read_text())
        assert engine.verify(root / "p.json", hashed / "settings.json", hashed / "vk.key",
                             hashed / "kzg.srs")[0], "the swapped-weights proof must verify"
        follow_instances(swapped, "tiny_hashed")

    from zkverify.verdict import canonical_proof_hash

    def mut(base: dict[str, Any], fn: Any) -> dict[str, Any]:
        b = copy.deepcopy(base)
        fn(b)
        return b

    gh = canonical_proof_hash(g["proof"])
    case("valid", "tiny", g, "valid", proof_hash=gh, prediction=g["prediction"],
         outputs=g["outputs"])
    case("valid_hashed_regressor", "tiny_hashed", h, "valid",
         proof_hash=canonical_proof_hash(h["proof"]), prediction=h["prediction"])
    case("valid_free_fields_do_not_change_the_hash", "tiny", mut(g, lambda b: (
        b["proof"].update(timestamp=1, pretty_public_inputs={"outputs": [["0x1"]]}),
        b.update(created_at="1999-01-01T00:00:00Z"))), "valid", proof_hash=gh)
    case("valid_bundle_name_is_not_shown", "tiny", mut(g, lambda b: b["circuit"].update(
        name="trusted-bank-model")), "valid", shown_name="tiny")
    case("output_moved_4e-10", "tiny", mut(g, lambda b: b["outputs"][0].__setitem__(
        0, b["outputs"][0][0] + 4e-10)), "invalid", "outputs", "outputs do not match")
    case("outputs_regrouped", "tiny", mut(g, lambda b: b.update(
        outputs=[[x] for x in b["outputs"][0]])), "invalid", "outputs")
    case("outputs_as_strings", "tiny", mut(g, lambda b: b.update(
        outputs=[[str(x) for x in b["outputs"][0]]])), "invalid", "outputs")
    case("outputs_as_booleans", "tiny", mut(g, lambda b: b.update(
        outputs=[[True for _ in b["outputs"][0]]])), "invalid", "outputs")
    case("inputs_edited", "tiny", mut(g, lambda b: b["inputs"][0].__setitem__(
        1, b["inputs"][0][1] + 0.25)), "invalid", "inputs", "inputs do not match")
    case("prediction_edited", "tiny", mut(g, lambda b: b.update(
        prediction=1 - b["prediction"])), "invalid", "prediction", "does not follow")
    case("prediction_boolean", "tiny", mut(g, lambda b: b.update(
        prediction=bool(b["prediction"]))), "invalid", "prediction")
    case("prediction_float", "tiny", mut(g, lambda b: b.update(
        prediction=float(b["prediction"]))), "invalid", "prediction")
    case("prediction_null", "tiny", mut(g, lambda b: b.update(prediction=None)), "invalid",
         "prediction")
    case("regressor_integer_prediction", "tiny_hashed", mut(h, lambda b: b.update(
        prediction=0)), "invalid", "prediction")
    case("regressor_prediction_as_string", "tiny_hashed", mut(h, lambda b: b.update(
        prediction=[str(x) for x in b["prediction"]])), "invalid", "prediction")
    case("vk_hash_zeroed_and_claims_edited", "tiny", mut(g, lambda b: (
        b["circuit"].update(vk_sha256="0" * 64), b.update(prediction=7),
        b["outputs"][0].__setitem__(0, 9.0))), "invalid", "circuit.vk_sha256", "another circuit")
    case("model_hash_of_another_model", "tiny", mut(g, lambda b: b["circuit"].update(
        model_sha256=o["circuit"]["model_sha256"])), "invalid", "circuit.model_sha256")
    case("uppercase_circuit_hash", "tiny", mut(g, lambda b: b["circuit"].update(
        vk_sha256=b["circuit"]["vk_sha256"].upper())), "invalid", "circuit.vk_sha256")
    case("another_circuits_proof_with_this_circuits_hashes", "tiny", mut(o, lambda b: b.update(
        circuit=copy.deepcopy(g["circuit"]))), "invalid", "proof", "does not verify")
    case("instance_edited_claims_follow", "tiny", mut(g, lambda b: (
        b["proof"]["instances"][0].__setitem__(-1, felt_add(b["proof"]["instances"][0][-1], 1)),
        follow_instances(b, "tiny"))), "invalid", "proof", "does not verify")
    case("proof_byte_flipped", "tiny", mut(g, lambda b: (
        b["proof"]["proof"].__setitem__(99, b["proof"]["proof"][99] ^ 1),
        b["proof"].update(hex_proof="0x" + bytes(b["proof"]["proof"]).hex()))),
        "invalid", "proof", "does not verify")
    case("hex_proof_disagrees", "tiny", mut(g, lambda b: b["proof"].update(
        hex_proof="0x" + bytes([(x + 1) % 256 for x in b["proof"]["proof"]]).hex())),
        "invalid", "proof.hex_proof")
    case("hex_proof_uppercase", "tiny", mut(g, lambda b: b["proof"].update(
        hex_proof="0x" + bytes(b["proof"]["proof"]).hex().upper())), "invalid", "proof.hex_proof")
    lettered = next(i for i, f in enumerate(g["proof"]["instances"][0]) if f != f.upper())
    case("uppercase_instance", "tiny", mut(g, lambda b: b["proof"]["instances"][0].__setitem__(
        lettered, b["proof"]["instances"][0][lettered].upper())), "invalid", "proof.instances")
    case("instance_above_modulus", "tiny", mut(g, lambda b: b["proof"]["instances"][0].__setitem__(
        0, "ff" * 32)), "invalid", "proof.instances", "not field elements")
    case("extra_instance", "tiny", mut(g, lambda b: b["proof"]["instances"][0].append(
        "00" * 32)), "invalid", "proof.instances", "public instances")
    case("unknown_proof_key", "tiny", mut(g, lambda b: b["proof"].update(
        transcript_type="EVM")), "invalid", "proof.transcript_type")
    case("protocol_set", "tiny", mut(g, lambda b: b["proof"].update(protocol={"x": 1})),
         "invalid", "proof.protocol")
    case("unknown_top_level_field", "tiny", mut(g, lambda b: b.update(trusted=True)),
         "invalid", "trusted")
    case("missing_proof", "tiny", mut(g, lambda b: b.pop("proof")), "invalid", "proof")
    case("visibility_edited", "tiny", mut(g, lambda b: b["visibility"].update(input="private")),
         "invalid", "visibility")
    case("weights_swapped_under_hashed_params", "tiny_hashed", swapped, "invalid",
         "proof.instances", "weights are not the circuit's")
    case("output_huge_integer", "tiny", mut(g, lambda b: b["outputs"][0].__setitem__(0, 10**400)),
         "invalid", "outputs")
    case("prediction_huge_integer", "tiny", mut(g, lambda b: b.update(prediction=10**400)),
         "invalid", "prediction")
    # Longer than Python's int-from-string limit: written by hand below (json.dumps refuses it).
    case("output_5000_digit_integer", "tiny", mut(g, lambda b: b["outputs"][0].__setitem__(
        0, LONG_INT)), "invalid", "outputs")
    case("not_a_bundle", "tiny", {"format": "other/1"}, "error")
    case("not_an_object", "tiny", [1, 2], "error")
    case("srs_file_modified", "tiny_bad_srs", g, "error", reason="kzg.srs")

    for c in cases:
        text = json.dumps(c).replace(json.dumps(LONG_INT), "9" * 5000)
        (HERE / "cases" / f"{c['name']}.json").write_text(text + "\n")
    print(f"wrote {len(cases)} cases and {len(os.listdir(HERE / 'circuits'))} circuits")


if __name__ == "__main__":
    if sys.argv[1:] == ["--v2"]:
        from generate_v2 import main_v2  # tests/conformance/generate_v2.py

        main_v2()
    elif sys.argv[1:] == ["--batched"]:
        from generate_batched import main_batched  # tests/conformance/generate_batched.py

        main_batched()
    elif sys.argv[1:] == ["--v1"]:
        main_v1()
    else:
        sys.exit("usage: python tests/conformance/generate.py --v2 | --batched | --v1 (see the "
                 "docstring)")
