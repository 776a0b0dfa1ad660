"""Sliced circuits (issue 16): build, prove and verify a tiny model cut in two, and every way a
sliced bundle can lie: swapped, missing, extra or foreign slices, a broken or edited link, an
edited instance, a bundle of the wrong kind. Each tampered bundle must be invalid (exit 1) and
name the slice or link, even when its claims were edited to follow the substitution. The
tampering runs against both link kinds (hashed, polycommit); polycommit adds its own exploits:
edited ``split`` fields, edited commitment bytes, a slice proved on another intermediate
tensor."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from tests.conftest import TESTS, tiny_config
from tests.test_bad_input import assert_one_line_error, det_model
from zkverify.cli import cli
from zkverify.errors import CircuitError, UsageError
from zkverify.exporting import export_model
from zkverify.manifest import CircuitDir, SlicedBundle
from zkverify.slicing.build import SlicedBuildResult, build_sliced
from zkverify.slicing.card import SlicedCard, is_sliced, load_sliced_public, slice_dir
from zkverify.slicing.prove import prove_sliced
from zkverify.verdict import felt_int, settings_visibility
from zkverify.verifying import verify_bundle

Raw = dict[str, Any]


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, _cache_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("sliced-model")
    export_model(f"{TESTS / 'tiny_model.py'}:tiny_mlp", (1, 4), d)
    return d / "network.onnx"


@pytest.fixture(scope="module")
def sliced(model: Path, tmp_path_factory: pytest.TempPathFactory) -> SlicedBuildResult:
    """tiny_mlp (Gemm, Relu, Gemm) in two slices linked by hash; do not modify it."""
    return build_sliced(model, tmp_path_factory.mktemp("sliced") / "c", tiny_config(name="tiny"),
                        slices=2, link="hashed")


@pytest.fixture(scope="module")
def sliced_poly(model: Path, tmp_path_factory: pytest.TempPathFactory) -> SlicedBuildResult:
    """The same model and cut, linked by KZG commitments (--link polycommit); do not modify it."""
    return build_sliced(model, tmp_path_factory.mktemp("sliced-poly") / "c",
                        tiny_config(name="tiny"), slices=2, link="polycommit")


def write_input(path: Path, values: list[float]) -> Path:
    path.write_text(json.dumps({"input_data": [values]}))
    return path


@pytest.fixture(scope="module")
def bundles(sliced: SlicedBuildResult, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, Path]:
    """Two genuine bundles of the sliced circuit, for two inputs whose slices differ."""
    return two_bundles(sliced, tmp_path_factory.mktemp("sliced-bundles"))


def two_bundles(sliced: SlicedBuildResult, d: Path) -> tuple[Path, Path]:
    a = prove_sliced(sliced.circuit.path, write_input(d / "a.json", [0.5, -0.25, 0.75, 0.1]),
                     d / "a.proof.json")
    b = prove_sliced(sliced.circuit.path, write_input(d / "b.json", [-0.6, 0.9, 0.2, -0.4]),
                     d / "b.proof.json")
    assert a.links[0] != b.links[0]  # the two inputs give two chains
    return d / "a.proof.json", d / "b.proof.json"


@pytest.fixture(scope="module")
def poly_bundles(sliced_poly: SlicedBuildResult, tmp_path_factory: pytest.TempPathFactory
                 ) -> tuple[Path, Path]:
    """Two genuine bundles of the polycommit-linked circuit (the inputs of ``bundles``)."""
    return two_bundles(sliced_poly, tmp_path_factory.mktemp("sliced-poly-bundles"))


LINKS = ["hashed", "polycommit"]


def pick(request: pytest.FixtureRequest, link: str) -> tuple[SlicedBuildResult, tuple[Path, Path]]:
    """The circuit and its two bundles for one link kind."""
    if link == "hashed":
        return request.getfixturevalue("sliced"), request.getfixturevalue("bundles")
    return request.getfixturevalue("sliced_poly"), request.getfixturevalue("poly_bundles")


def load(path: Path) -> Raw:
    return dict(json.loads(path.read_text()))


def test_build_layout_card_and_scales(sliced: SlicedBuildResult) -> None:
    root = sliced.circuit.path
    card = SlicedCard.load(root / "card.json")
    assert is_sliced(root) and len(card.slices) == 2 and card.link == "hashed"
    assert sliced.cuts == [["/0/Gemm_output_0"]] or sliced.cuts == [["/1/Relu_output_0"]]
    for i, ref in enumerate(card.slices):  # each slice is a complete circuit with ezkl's names
        cd = CircuitDir(slice_dir(root, i))
        for name in ("network.onnx", "settings.json", "model.compiled", "pk.key", "vk.key",
                     "kzg.srs", "card.json", "manifest.json"):
            assert cd.file(name).is_file(), name
        assert cd.load_card().circuit_id == ref.id  # the sliced id pins every slice
    s0, s1 = (CircuitDir(slice_dir(root, i)).settings_json() for i in (0, 1))
    assert settings_visibility(s0)["output"] == settings_visibility(s1)["input"] == "hashed"
    assert settings_visibility(s0)["input"] == settings_visibility(s1)["output"] == "public"
    assert s0["model_output_scales"] == s1["model_input_scales"]
    assert card.slices[0].outputs == card.slices[1].inputs == sliced.cuts[0]
    m = json.loads((root / "manifest.json").read_text())
    assert m["kind"] == "sliced" and m["cuts"] == sliced.cuts and len(m["slices"]) == 2
    r = run("inspect", root, "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["slices"]
    assert [set(x) >= {"num_rows", "logrows", "pk_bytes", "estimated_prove_seconds"}
            for x in rows] == [True, True]
    assert all(x["logrows"] == 10 and x["pk_bytes"] > 0 for x in rows)


def test_verify_valid_and_outputs_follow_the_float_model(
        sliced: SlicedBuildResult, bundles: tuple[Path, Path], model: Path) -> None:
    import onnxruntime as ort

    r = run("verify", sliced.circuit.path, bundles[0], "--json")
    assert r.exit_code == 0, r.output
    v = json.loads(r.stdout)
    assert v["valid"] and v["circuit_id"] == SlicedCard.load(
        sliced.circuit.path / "card.json").circuit_id
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    want = sess.run(None, {"input": np.asarray([[0.5, -0.25, 0.75, 0.1]], np.float32)})[0]
    assert np.allclose(v["outputs"][0], want.reshape(-1), atol=0.05)
    assert v["prediction"] == int(np.argmax(want))
    r = run("inspect", bundles[0])
    assert r.exit_code == 0 and "2 slice proofs" in r.stdout


def swap(raw: Raw) -> None:
    raw["slices"].reverse()


def swap_proofs_only(raw: Raw) -> None:
    """Proofs swapped, circuit ids left in place: only the instance layout can tell."""
    a, b = raw["slices"]
    a["proof"], b["proof"] = b["proof"], a["proof"]


def drop_last(raw: Raw) -> None:
    raw["slices"].pop()


def drop_first(raw: Raw) -> None:
    raw["slices"].pop(0)


def duplicate_last(raw: Raw) -> None:
    raw["slices"].append(copy.deepcopy(raw["slices"][-1]))


def edit_link_hash(raw: Raw) -> None:
    key = "hashes" if "hashes" in raw["links"][0] else "commitments"
    h = raw["links"][0][key][0]
    raw["links"][0][key][0] = ("0" if h[0] != "0" else "1") + h[1:]


def edit_link_tensor(raw: Raw) -> None:
    raw["links"][0]["tensors"] = ["input"]


def edit_output(raw: Raw) -> None:
    raw["outputs"][0]["values"][0] += 1.0


def edit_input(raw: Raw) -> None:
    raw["inputs"][0]["values"][0] = 0.0 if raw["inputs"][0]["values"][0] else 1.0


def edit_circuit_id(raw: Raw) -> None:
    raw["circuit"]["id"] = "0" * 64


def edit_last_instance_with_claims(raw: Raw) -> None:
    """The last slice's first output instance +1, and the claims edited to follow it: only the
    proof itself can catch this."""
    inst = raw["slices"][1]["proof"]["instances"][0]
    out_at = 1 if "hashes" in raw["links"][0] else 0  # [input hash] [outputs...] or [outputs...]
    v = felt_int(inst[out_at]) + 1
    inst[out_at] = v.to_bytes(32, "little").hex()
    raw["slices"][1]["proof"].pop("hex_proof", None)
    raw["slices"][1]["proof"]["pretty_public_inputs"] = None
    scale = 2 ** 7
    raw["outputs"][0]["values"][0] = raw["outputs"][0]["values"][0] + 1 / scale
    vals = raw["outputs"][0]["values"]
    raw["outputs"][0]["prediction"] = max(range(len(vals)), key=lambda i: (vals[i], -i))


MUTATIONS: list[tuple[Callable[[Raw], None], str]] = [
    (swap, "slices[0].circuit_id"),
    (swap_proofs_only, "slices[0].proof.instances"),
    (drop_last, "slices[1]"),
    (drop_first, "slices[0].circuit_id"),
    (duplicate_last, "slices[2]"),
    (edit_link_hash, "links[0].hashes"),
    (edit_link_tensor, "links[0].tensors"),
    (edit_output, "outputs[0].values"),
    (edit_input, "inputs[0].values"),
    (edit_circuit_id, "circuit.id"),
    (edit_last_instance_with_claims, "slices[1].proof"),
]


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize(("mutate", "field"), MUTATIONS, ids=[m.__name__ for m, _ in MUTATIONS])
def test_tampered_bundle_is_invalid_naming_the_slice(
        request: pytest.FixtureRequest, link: str, mutate: Callable[[Raw], None],
        field: str) -> None:
    sliced, bundles = pick(request, link)
    raw = load(bundles[0])
    mutate(raw)
    if link == "polycommit" and field == "links[0].hashes":
        field = "links[0].commitments"
    v = verify_bundle(load_sliced_public(sliced.circuit.path), raw)
    assert not v.valid and v.field == field, (v.field, v.reason)
    assert v.outputs is None and v.prediction is None


@pytest.mark.parametrize("link", LINKS)
@pytest.mark.parametrize("which", [0, 1])
def test_slice_from_another_input_with_claims_following_breaks_the_link(
        request: pytest.FixtureRequest, link: str, tmp_path: Path, which: int) -> None:
    """A genuine proof of slice `which` for another input, spliced in with every claim edited
    to follow it (inputs, outputs, links): still invalid, because the link does not hold."""
    sliced, bundles = pick(request, link)
    a, b = load(bundles[0]), load(bundles[1])
    a["slices"][which] = b["slices"][which]
    if which == 0:
        a["inputs"] = b["inputs"]
        a["links"] = b["links"]
    else:
        a["outputs"] = b["outputs"]
    path = tmp_path / "spliced.json"
    path.write_text(json.dumps(a))
    r = run("verify", sliced.circuit.path, path, "--json")
    assert r.exit_code == 1, r.output
    v = json.loads(r.stdout)
    assert not v["valid"] and v["field"] == "links[0]", v
    what = "hash" if link == "hashed" else "commitment"
    assert f"slice 1's input {what} is not slice 0's output {what}" in v["reason"]


# --- polycommit: the commitments are read at the card's offsets, never the bundle's ----------

def test_polycommit_build_card_offsets_and_one_logrows(sliced_poly: SlicedBuildResult,
                                                      poly_bundles: tuple[Path, Path]) -> None:
    root = sliced_poly.circuit.path
    card = SlicedCard.load(root / "card.json")
    assert card.link == "polycommit"
    # One G1 point (64 bytes) for the 3-element cut tensor: first in both proofs.
    assert card.slices[0].output_commitments == [0, 64] and card.slices[0].input_commitments is None
    assert card.slices[1].input_commitments == [0, 64] and card.slices[1].output_commitments is None
    s0, s1 = (CircuitDir(slice_dir(root, i)).settings_json() for i in (0, 1))
    assert settings_visibility(s0)["output"] == settings_visibility(s1)["input"] == "kzgcommit"
    assert s0["run_args"]["logrows"] == s1["run_args"]["logrows"]
    pub = load_sliced_public(root)
    assert len({p.card.srs_sha256 for p in pub.slices}) == 1
    moved = card.model_copy(update={"slices": [card.slices[0].model_copy(
        update={"output_commitments": [64, 128]}), card.slices[1]]})
    assert moved.circuit_id != card.circuit_id  # the offsets are pinned by the circuit id
    r = run("inspect", root, "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["link"] == "polycommit"
    r = run("verify", root, poly_bundles[0], "--json")
    assert r.exit_code == 0, r.output
    raw = load(poly_bundles[0])
    assert raw["links"][0]["commitments"] == [bytes(raw["slices"][0]["proof"]["proof"][:64]).hex()]
    r = run("inspect", poly_bundles[0])
    assert r.exit_code == 0 and "commitment" in r.stdout


def set_bytes(proof: Raw, at: int, data: bytes) -> None:
    """Overwrite proof bytes (and keep hex_proof consistent, as an attacker would)."""
    proof["proof"][at:at + len(data)] = list(data)
    proof["hex_proof"] = "0x" + bytes(proof["proof"]).hex()


def edit_split_start(raw: Raw) -> None:
    """The prover-written split moved to some other point: it must not steer the verifier."""
    raw["slices"][0]["proof"]["split"] = {"start": 1, "end": 2}


def add_split_to_last(raw: Raw) -> None:
    raw["slices"][1]["proof"]["split"] = {"start": 0, "end": 1}


def edit_commitment_in_both(raw: Raw) -> None:
    """The same junk point written over slice 0's output and slice 1's input commitment (links
    claim it too): the link compares equal, so the proofs themselves must fail."""
    junk = bytes(raw["slices"][1]["proof"]["proof"][64:128])  # some other point of the proof
    set_bytes(raw["slices"][0]["proof"], 0, junk)
    set_bytes(raw["slices"][1]["proof"], 0, junk)
    raw["links"][0]["commitments"] = [junk.hex()]


POLY_MUTATIONS: list[tuple[Callable[[Raw], None], str]] = [
    (edit_split_start, "slices[0].proof.split"),
    (add_split_to_last, "slices[1].proof.split"),
    (edit_commitment_in_both, "slices[0].proof"),
]


@pytest.mark.parametrize(("mutate", "field"), POLY_MUTATIONS,
                         ids=[m.__name__ for m, _ in POLY_MUTATIONS])
def test_polycommit_tampering_is_invalid(sliced_poly: SlicedBuildResult,
                                         poly_bundles: tuple[Path, Path],
                                         mutate: Callable[[Raw], None], field: str) -> None:
    raw = load(poly_bundles[0])
    mutate(raw)
    v = verify_bundle(load_sliced_public(sliced_poly.circuit.path), raw)
    assert not v.valid and v.field == field, (v.field, v.reason)


def test_polycommit_spliced_slice_with_its_commitment_rewritten_fails_its_proof(
        sliced_poly: SlicedBuildResult, poly_bundles: tuple[Path, Path]) -> None:
    """Slice 1 proved for input B, its input-commitment bytes overwritten with A's slice 0
    output commitment (what swap_proof_commitments would do), claims following B: the link
    bytes now agree, so only slice 1's proof can catch it, and it does."""
    a, b = load(poly_bundles[0]), load(poly_bundles[1])
    a_point = bytes(a["slices"][0]["proof"]["proof"][:64])
    a["slices"][1] = b["slices"][1]
    set_bytes(a["slices"][1]["proof"], 0, a_point)
    a["outputs"] = b["outputs"]
    v = verify_bundle(load_sliced_public(sliced_poly.circuit.path), a)
    assert not v.valid and v.field == "slices[1].proof", (v.field, v.reason)


@pytest.mark.parametrize("rewrite", [False, True], ids=["as-proved", "commitment-rewritten"])
def test_polycommit_slice_proved_on_another_intermediate_tensor(
        sliced_poly: SlicedBuildResult, poly_bundles: tuple[Path, Path], tmp_path: Path,
        rewrite: bool) -> None:
    """A genuine proof of slice 1 on an intermediate tensor slice 0 never made (the prover picks
    it), spliced in with the outputs claimed from it, with and without the commitment bytes
    rewritten to slice 0's: the link fails, or the proof does."""
    from zkverify import engine
    from zkverify.manifest import OutputClaim
    from zkverify.slicing.prove import SlicedProver
    from zkverify.verdict import decode, tensor_claims

    sp = SlicedProver(sliced_poly.circuit.path)
    p1 = sp.provers[1]
    (tmp_path / "in.json").write_text(json.dumps({"input_data": [[0.9, -0.9, 0.4]]}))
    engine.gen_witness(tmp_path / "in.json", p1.cd.compiled, tmp_path / "w.json", p1.cd.vk,
                       p1.cd.srs)
    engine.prove(tmp_path / "w.json", p1.cd.compiled, p1.cd.pk, tmp_path / "p.json", p1.cd.srs)
    forged = json.loads((tmp_path / "p.json").read_text())
    raw = load(poly_bundles[0])
    if rewrite:
        set_bytes(forged, 0, bytes(raw["slices"][0]["proof"]["proof"][:64]))
    raw["slices"][1]["proof"] = forged
    proven = decode(p1.card, p1.settings, [f for col in forged["instances"] for f in col])
    raw["outputs"] = [OutputClaim(**c).model_dump(mode="json")
                      for c in tensor_claims(p1.card, proven)[1]]
    v = verify_bundle(load_sliced_public(sliced_poly.circuit.path), raw)
    assert not v.valid and v.field == ("slices[1].proof" if rewrite else "links[0]"), (
        v.field, v.reason)


def test_kinds_do_not_cross(sliced: SlicedBuildResult, bundles: tuple[Path, Path],
                            tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    v = verify_bundle(tiny_circuit.path, load(bundles[0]))
    assert not v.valid and v.field == "kind"
    v = verify_bundle(sliced.circuit.path, load(tiny_bundle_path))
    assert not v.valid and v.field == "kind"


def test_prove_with_two_workers_is_one_valid_bundle(sliced: SlicedBuildResult,
                                                    tmp_path: Path) -> None:
    src = write_input(tmp_path / "in.json", [0.3, 0.3, -0.3, 0.9])
    r = run("prove", sliced.circuit.path, src, "-o", tmp_path / "p.json", "--workers", 2, "--json")
    assert r.exit_code == 0, r.output
    info = json.loads(r.stdout)
    assert info["slices"] == 2 and len(info["slice_prove_seconds"]) == 2
    b = SlicedBundle.load(tmp_path / "p.json")
    assert [s.circuit_id for s in b.slices] == [
        s.id for s in SlicedCard.load(sliced.circuit.path / "card.json").slices]
    assert run("verify", sliced.circuit.path, tmp_path / "p.json").exit_code == 0


def test_commands_without_slicing_support_refuse_in_one_line(
        sliced: SlicedBuildResult, tmp_path: Path) -> None:
    batch = tmp_path / "many.jsonl"
    batch.write_text('{"input_data": [[0.1, 0.2, 0.3, 0.4]]}\n' * 2)
    r = run("prove", sliced.circuit.path, batch, "-o", tmp_path / "out")
    assert_one_line_error(r, 2, "a sliced circuit", "batch proving does not support")
    with pytest.raises(CircuitError, match="a sliced circuit"):
        CircuitDir(sliced.circuit.path).load_card()
    from zkverify.service import host

    with pytest.raises(CircuitError, match="a sliced circuit"):  # serve, and so the page
        host([sliced.circuit.path])
    (tmp_path / "b.json").write_text(json.dumps({"format": "zkverify.proof-bundle/2",
                                                 "kind": "sliced"}))
    r = run("evm", "calldata", tmp_path / "b.json")
    assert_one_line_error(r, 2, "b.json", "kind")


# --- bad input ------------------------------------------------------------------------------

def test_cut_that_does_not_exist(model: Path, tmp_path: Path) -> None:
    r = run("build", model, "-o", tmp_path / "c", "--cut", "no_such_tensor", "--no-calibrate")
    assert_one_line_error(r, 2, "--cut no_such_tensor", "no node of the graph makes")
    assert not (tmp_path / "c").exists()


def test_more_slices_than_nodes(model: Path, tmp_path: Path) -> None:
    r = run("build", model, "-o", tmp_path / "c", "--slices", 4, "--no-calibrate")
    assert_one_line_error(r, 2, "--slices 4", "only 3 nodes")
    r = run("build", model, "-o", tmp_path / "c", "--slices", "auto")
    assert_one_line_error(r, 2, "--slices auto needs --max-logrows")
    assert not (tmp_path / "c").exists()


def test_slice_ezkl_cannot_compile_names_slice_and_operator(tmp_path: Path) -> None:
    import onnx
    import onnx.helper as h

    det = onnx.load(str(det_model(tmp_path / "det.onnx")))
    relu = h.make_node("Relu", ["input"], ["r"], name="relu_node")
    det.graph.node[0].input[0] = "r"
    det.graph.node.insert(0, relu)
    det.graph.value_info.append(h.make_tensor_value_info("r", onnx.TensorProto.FLOAT, [4, 4]))
    onnx.save(det, str(tmp_path / "relu_det.onnx"))
    r = run("build", tmp_path / "relu_det.onnx", "-o", tmp_path / "c", "--slices", 2,
            "--no-calibrate", "--max-logrows", 10, "--run-arg", "decomp_base=32",
            "--run-arg", "decomp_legs=4")
    assert_one_line_error(r, 1, "slice 1 of 2", 'node "det_node"', "operator Det")
    assert not (tmp_path / "c").exists()


# --- EVM ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def evm_export(sliced: SlicedBuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sliced-evm")
    r = run("evm", "export", sliced.circuit.path, "-o", out, "--json")
    assert r.exit_code == 0, r.output
    return out


def test_evm_export_writes_each_slice_and_the_aggregator(evm_export: Path) -> None:
    for i in (0, 1):
        assert (evm_export / f"slice-{i}" / "Verifier.sol").is_file()
    src = (evm_export / "SlicedVerifier.sol").read_text()
    assert "function verifySlices(bytes[] calldata proofs, uint256[][] calldata instances)" in src
    assert "_link(instances[0], instances[1], 1);" in src
    summary = json.loads((evm_export / "sliced-verifier.json").read_text())
    assert summary["function"] == "verifySlices(bytes[],uint256[][])" and summary["links"] == [1]


def test_evm_verify_one_call_reports_gas_and_rejects_tampering(
        sliced: SlicedBuildResult, bundles: tuple[Path, Path], evm_export: Path,
        tmp_path: Path) -> None:
    r = run("evm", "verify", sliced.circuit.path, bundles[0], "--json")
    assert r.exit_code == 0, r.output
    v = json.loads(r.stdout)
    assert v["valid"] and v["checked_by"] == "evm" and v["gas"] > 21_000
    raw = load(bundles[0])
    edit_last_instance_with_claims(raw)
    (tmp_path / "bad.json").write_text(json.dumps(raw))
    r = run("evm", "verify", sliced.circuit.path, tmp_path / "bad.json", "--json")
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout)["field"] == "slices[1].proof"


@pytest.mark.parametrize("link", LINKS)
def test_the_contract_itself_checks_the_links(request: pytest.FixtureRequest, link: str) -> None:
    """Two genuine slice proofs of two different inputs: each verifies on its own, but
    verifySlices reverts on the link (the contract does not rely on the off-chain check)."""
    from zkverify.slicing.evm import SlicedEvmCheck, load_sliced_verifiers
    from zkverify.verdict import checked_proof

    sliced, bundles = pick(request, link)

    public = load_sliced_public(sliced.circuit.path)
    check = SlicedEvmCheck(load_sliced_verifiers(sliced.circuit.path), public)
    a, b = load(bundles[0]), load(bundles[1])
    genuine = [(checked_proof(s["proof"]), p) for s, p in zip(a["slices"], public.slices,
                                                               strict=True)]
    assert check.all_slices(genuine) == (True, "")
    spliced = [genuine[0], (checked_proof(b["slices"][1]["proof"]), public.slices[1])]
    assert check(*spliced[1]) == (True, "")
    ok, why = check.all_slices(spliced)
    assert not ok and "link" in why, why
    if link == "polycommit":  # the spliced proof's commitment rewritten: its verifier reverts
        forged = copy.deepcopy(spliced[1][0])
        forged["proof"][:64] = genuine[0][0]["proof"][:64]
        ok, why = check.all_slices([genuine[0], (forged, public.slices[1])])
        assert not ok and "link" not in why, why
        assert not check(forged, public.slices[1])[0]


def test_evm_polycommit_export_bakes_the_card_offsets_and_verifies(
        sliced_poly: SlicedBuildResult, poly_bundles: tuple[Path, Path], tmp_path: Path) -> None:
    r = run("evm", "export", sliced_poly.circuit.path, "-o", tmp_path / "sol", "--json")
    assert r.exit_code == 0, r.output
    src = (tmp_path / "sol" / "SlicedVerifier.sol").read_text()
    assert "_linkCommitments(proofs[0], 0, proofs[1], 0, 64);" in src
    assert "_link(instances" not in src and "function _link(" not in src
    summary = json.loads((tmp_path / "sol" / "sliced-verifier.json").read_text())
    assert summary["link"] == "polycommit"
    assert summary["commitment_ranges"] == [{"output": [0, 64], "input": [0, 64]}]
    r = run("evm", "verify", sliced_poly.circuit.path, poly_bundles[0], "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["valid"]
    raw = load(poly_bundles[0])
    edit_commitment_in_both(raw)
    (tmp_path / "bad.json").write_text(json.dumps(raw))
    r = run("evm", "verify", sliced_poly.circuit.path, tmp_path / "bad.json", "--json")
    assert r.exit_code == 1, r.output
    assert json.loads(r.stdout)["field"] == "slices[0].proof"


def test_slices_auto_picks_the_fewest_cuts_that_fit(model: Path, tmp_path: Path) -> None:
    """--slices auto --max-logrows K: gen_settings on candidate sub-models decides (the whole
    tiny model needs 2^9 rows here, each half 2^8, a single Gemm more than 2^7)."""
    from zkverify.slicing.build import _probe
    from zkverify.slicing.cuts import cuts_by_max_logrows, load_graph

    g = load_graph(model)
    probe = _probe(g, tiny_config(), ["input"], ["output"], tmp_path)
    whole = probe(-1, -1)
    assert cuts_by_max_logrows(g, whole, probe) == []
    one = cuts_by_max_logrows(g, whole - 1, probe)
    assert len(one) == 1
    bounds = [-1, list(g.cuts).index(one[0]), -1]
    assert all(probe(a, b) <= whole - 1 for a, b in zip(bounds, bounds[1:], strict=False))
    r = run("build", model, "-o", tmp_path / "c", "--slices", "auto", "--max-logrows", 7,
            "--no-calibrate", "--run-arg", "decomp_base=32", "--run-arg", "decomp_legs=4")
    assert_one_line_error(r, 2, "--max-logrows 7", "alone need more rows than 2^7")


@pytest.mark.ray
def test_prove_on_ray_is_the_same_chain(sliced_poly: SlicedBuildResult,
                                        poly_bundles: tuple[Path, Path], tmp_path: Path) -> None:
    """The slices as Ray tasks (files through the object store), on the default link
    (polycommit, whose commitments are swapped after the proofs come back): the same
    instances and the same link commitments as a local run, valid."""
    pytest.importorskip("ray")
    src = write_input(tmp_path / "a.json", [0.5, -0.25, 0.75, 0.1])
    b = prove_sliced(sliced_poly.circuit.path, src, tmp_path / "ray.json", workers=2,
                     ray_address="local")
    local = SlicedBundle.load(poly_bundles[0])
    assert [s.proof["instances"] for s in b.slices] == [s.proof["instances"]
                                                        for s in local.slices]
    assert b.links == local.links
    assert verify_bundle(sliced_poly.circuit.path, tmp_path / "ray.json").valid


def test_json_outputs_follow_the_documented_schemas(sliced: SlicedBuildResult,
                                                    bundles: tuple[Path, Path],
                                                    evm_export: Path, tmp_path: Path) -> None:
    from tests.test_schemas import check

    check("manifest", json.loads((sliced.circuit.path / "manifest.json").read_text()))
    r = run("verify", sliced.circuit.path, bundles[0], "--json")
    check("verify", json.loads(r.stdout))
    src = write_input(tmp_path / "in.json", [0.1, 0.2, 0.3, 0.4])
    r = run("prove", sliced.circuit.path, src, "-o", tmp_path / "p.json", "--json")
    check("prove", json.loads(r.stdout))
    r = run("evm", "export", sliced.circuit.path, "-o", tmp_path / "sol", "--json")
    check("evm-export", json.loads(r.stdout))
    r = run("evm", "verify", sliced.circuit.path, bundles[0], "--json")
    check("evm-verify", json.loads(r.stdout))
    for spec in ("digits28_cnn", "digits28_mlp", "digits28_deep"):
        import tomllib

        check("spec", tomllib.loads((TESTS.parent / "circuits" / f"{spec}.toml").read_text()))


def test_calibrated_slices_agree_on_the_link_scale(model: Path, tmp_path: Path) -> None:
    """The default (calibrated) build: calibration may not let a slice's outputs grow in scale
    (rebase multiplier 1 before a cut) and pins the next slice's input scale to it; the chain
    then proves and verifies. (With --link polycommit calibration works the same way; checked
    by hand, left out of the suite for time: 20 s.)"""
    from zkverify.circuit import BuildConfig

    res = build_sliced(model, tmp_path / "c", BuildConfig(name="cal", classifier=True,
                                                          run_args={"logrows": 12}), slices=2)
    s0, s1 = (CircuitDir(slice_dir(res.circuit.path, i)).settings_json() for i in (0, 1))
    assert s0["model_output_scales"] == s1["model_input_scales"] == [s0["run_args"]["input_scale"]]
    assert s0["run_args"]["scale_rebase_multiplier"] == 1
    src = write_input(tmp_path / "in.json", [0.2, -0.4, 0.6, 0.8])
    prove_sliced(res.circuit.path, src, tmp_path / "p.json")
    assert verify_bundle(res.circuit.path, tmp_path / "p.json").valid


def test_polycommit_rebuilds_smaller_slices_at_the_largest_logrows(
        model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slice 1 built at logrows 11, slice 0 at 10: slice 0 is rebuilt at 11 with its own run
    args (commitments compare only under one SRS and domain), and the chain proves and
    verifies."""
    from zkverify.slicing import build as sb

    real = sb._slice_config

    def bigger_last(c: Any, i: int, n: int, *rest: Any) -> Any:
        cfg = real(c, i, n, *rest)
        if i == n - 1:
            from dataclasses import replace

            cfg = replace(cfg, run_args={**cfg.run_args, "logrows": 11})
        return cfg

    monkeypatch.setattr(sb, "_slice_config", bigger_last)
    res = build_sliced(model, tmp_path / "c", tiny_config(name="tiny"), slices=2,
                       link="polycommit")
    assert [r.manifest.logrows for r in res.slices] == [11, 11]
    pub = load_sliced_public(res.circuit.path)
    assert len({p.card.srs_sha256 for p in pub.slices}) == 1
    src = write_input(tmp_path / "in.json", [0.2, -0.4, 0.6, 0.8])
    prove_sliced(res.circuit.path, src, tmp_path / "p.json")
    assert verify_bundle(res.circuit.path, tmp_path / "p.json").valid


def test_link_option_on_the_command_line(model: Path, tmp_path: Path) -> None:
    r = run("build", model, "-o", tmp_path / "c", "--link", "polycommit", "--no-calibrate")
    assert_one_line_error(r, 2, "--link", "only with --slices or --cut")
    r = run("build", model, "-o", tmp_path / "c", "--slices", 2, "--link", "merkle")
    assert r.exit_code == 2 and "merkle" in r.output
    assert not (tmp_path / "c").exists()


def test_polycommit_three_slices_middle_offsets(model: Path, tmp_path: Path) -> None:
    """A middle slice commits its inputs first and its outputs after them: the card's output
    range starts after the input points, ezkl's own split agrees, and the chain verifies; the
    middle slice spliced from another input breaks a link."""
    res = build_sliced(model, tmp_path / "c", tiny_config(name="tiny3"), slices=3,
                       link="polycommit")
    card = SlicedCard.load(res.circuit.path / "card.json")
    mid = card.slices[1]
    assert mid.input_commitments == [0, 64] and mid.output_commitments == [64, 128]
    a = prove_sliced(res.circuit.path, write_input(tmp_path / "a.json", [0.5, -0.25, 0.75, 0.1]),
                     tmp_path / "a.proof.json")
    assert a.slices[1].proof["split"] == {"start": 1, "end": 2}
    assert verify_bundle(res.circuit.path, tmp_path / "a.proof.json").valid
    prove_sliced(res.circuit.path, write_input(tmp_path / "b.json", [-0.6, 0.9, 0.2, -0.4]),
                 tmp_path / "b.proof.json")
    raw, other = load(tmp_path / "a.proof.json"), load(tmp_path / "b.proof.json")
    raw["slices"][1] = other["slices"][1]
    raw["links"] = [other["links"][0], raw["links"][1]]
    v = verify_bundle(res.circuit.path, raw)
    assert not v.valid and v.field in ("links[0]", "links[1]"), (v.field, v.reason)


def test_polycommit_two_tensors_at_one_cut(tmp_path: Path) -> None:
    """A skip connection cut after its ReLU: two tensors cross, two points per side, in the
    card's tensor order; the two points swapped in slice 1's proof break the link, swapped in
    both proofs break the proofs."""
    export_model(f"{TESTS / 'tiny_model.py'}:tiny_skip", (1, 4), tmp_path / "m")
    res = build_sliced(tmp_path / "m" / "network.onnx", tmp_path / "c", tiny_config(name="skip"),
                       cuts=("/Relu_output_0",), link="polycommit")
    card = SlicedCard.load(res.circuit.path / "card.json")
    assert card.cuts == [["/a/Gemm_output_0", "/Relu_output_0"]]
    assert card.slices[0].output_commitments == card.slices[1].input_commitments == [0, 128]
    b = prove_sliced(res.circuit.path, write_input(tmp_path / "in.json", [-0.6, 0.9, 0.2, -0.4]),
                     tmp_path / "p.json")
    points = b.links[0].commitments  # type: ignore[union-attr]
    assert len(points) == 2 and points[0] != points[1]  # h has negatives: relu(h) != h
    assert verify_bundle(res.circuit.path, tmp_path / "p.json").valid
    raw = load(tmp_path / "p.json")
    proof1 = raw["slices"][1]["proof"]
    swapped = bytes(proof1["proof"][64:128]) + bytes(proof1["proof"][:64])
    set_bytes(proof1, 0, swapped)
    v = verify_bundle(res.circuit.path, raw)
    assert not v.valid and v.field == "links[0]", (v.field, v.reason)
    set_bytes(raw["slices"][0]["proof"], 0, swapped)
    raw["links"][0]["commitments"] = [swapped[:64].hex(), swapped[64:].hex()]
    v = verify_bundle(res.circuit.path, raw)
    assert not v.valid and v.field == "slices[0].proof", (v.field, v.reason)


def test_slices_auto_search_matches_a_scan_and_probes_slice_sized_models() -> None:
    """The galloping search picks the same cuts as scanning every cut (greedy, farthest first)
    for random monotone costs, and on a long chain never asks gen_settings about a sub-model
    much larger than a slice (a 24-slice model used to be probed whole once per slice)."""
    import random
    from types import SimpleNamespace

    from zkverify.slicing.cuts import cuts_by_max_logrows

    rng = random.Random(0)
    for _ in range(500):
        n, k = rng.randint(0, 30), rng.randint(1, 25)
        w = [rng.randint(1, 10) for _ in range(n + 1)]  # cost of each run of nodes between cuts
        g = SimpleNamespace(cuts=[SimpleNamespace(position=i + 1) for i in range(n)],
                            n_nodes=n + 1, span=lambda a, b: f"nodes {a}-{b}")

        def cost(a: int, b: int, w: list[int] = w, n: int = n) -> int:
            return sum(w[a + 1:(b if b >= 0 else n) + 1])

        ref: list[int] | None = []
        start = -1
        while ref is not None and cost(start, -1) > k:
            fits = [j for j in range(start + 1, n) if cost(start, j) <= k]
            if not fits:
                ref = None
            else:
                ref.append(fits[-1])
                start = fits[-1]
        if ref is None:
            with pytest.raises(UsageError, match="no cut fits"):
                cuts_by_max_logrows(g, k, cost)  # type: ignore[arg-type]
        else:
            got = cuts_by_max_logrows(g, k, cost)  # type: ignore[arg-type]
            assert [c.position - 1 for c in got] == ref
    spans: list[int] = []
    chain = SimpleNamespace(cuts=[SimpleNamespace(position=i + 1) for i in range(200)],
                            n_nodes=201, span=str)

    def unit(a: int, b: int) -> int:  # every node costs 1: slices of 4 nodes at k = 4
        spans.append((b if b >= 0 else 200) - a)
        return spans[-1]

    assert len(cuts_by_max_logrows(chain, 4, unit)) == 50  # type: ignore[arg-type]
    assert max(spans) <= 8
