"""Bad input: one-line error naming the file, the documented exit code, no traceback, and no
half-written artifact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from zkverify.cli import cli
from zkverify.manifest import CircuitDir

USAGE, INVALID = 2, 1


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_one_line_error(r: Result, code: int, *needles: str) -> None:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    assert r.exception is None or isinstance(r.exception, SystemExit)
    err = r.stderr.strip()
    assert "Traceback" not in r.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    for n in needles:
        assert n in err, (n, err)


def entries(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


def det_model(path: Path) -> Path:
    """A valid ONNX graph using Det, which ezkl's tract backend does not implement."""
    import onnx
    import onnx.helper as h

    x = h.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [4, 4])
    y = h.make_tensor_value_info("output", onnx.TensorProto.FLOAT, [])
    g = h.make_graph([h.make_node("Det", ["input"], ["output"], name="det_node")], "det", [x], [y])
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 18)]), str(path))
    return path


# --- build ------------------------------------------------------------------------------------

def test_build_missing_file(tmp_path: Path) -> None:
    r = run("build", tmp_path / "nope.onnx", "-o", tmp_path / "c")
    assert_one_line_error(r, USAGE, "nope.onnx", "no such file")
    assert entries(tmp_path) == []


def test_build_file_that_is_not_onnx(tmp_path: Path) -> None:
    bad = tmp_path / "model.onnx"
    bad.write_text("this is not a protobuf")
    r = run("build", bad, "-o", tmp_path / "c")
    assert_one_line_error(r, USAGE, "model.onnx", "not a valid ONNX model")
    assert entries(tmp_path) == ["model.onnx"]


def test_build_op_ezkl_cannot_handle(tmp_path: Path) -> None:
    """An ezkl failure (exit 1, as the README documents), naming the operator and the node;
    `estimate` says the same before any setup."""
    model = det_model(tmp_path / "det.onnx")
    r = run("build", model, "-o", tmp_path / "c")
    node = "det_node"
    assert_one_line_error(r, 1, "det.onnx", f'node "{node}"', "operator Det is not supported by ezkl")
    assert entries(tmp_path) == ["det.onnx"]
    r = run("estimate", model)
    assert_one_line_error(r, 1, "det.onnx", f'node "{node}"', "operator Det is not supported")



def test_build_failure_keeps_the_previous_circuit(circuit_copy: CircuitDir, tmp_path: Path) -> None:
    before = circuit_copy.vk.read_bytes()
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\x00\x01garbage")
    r = run("build", bad, "-o", circuit_copy.path)
    assert r.exit_code == USAGE
    assert circuit_copy.vk.read_bytes() == before
    assert not [p for p in circuit_copy.path.parent.iterdir() if p.name.endswith(".building")]


def test_build_bad_calibration_data(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    np.save(tmp_path / "cal.npy", np.ones((3, 5)))
    r = run("build", tiny_circuit.onnx, "-o", tmp_path / "c", "--calibration-data",
            tmp_path / "cal.npy")
    assert_one_line_error(r, USAGE, "cal.npy", "not a whole number of inputs")
    assert not (tmp_path / "c").exists()


def test_export_bad_spec(tmp_path: Path) -> None:
    r = run("export", tmp_path / "missing.py:f", "--input-shape", "1,4", "-o", tmp_path / "o")
    assert_one_line_error(r, USAGE, "missing.py", "no such file")
    r = run("export", "tests/tiny_model.py:tiny_mlp", "--input-shape", "1,a", "-o", tmp_path / "o")
    assert_one_line_error(r, USAGE, "--input-shape")
    r = run("export", "tests/tiny_model.py:tiny_mlp", "--input-shape", "1,5", "-o", tmp_path / "o")
    assert_one_line_error(r, USAGE, "the model fails on inputs of shape [1, 5]")
    assert not (tmp_path / "o").exists()


# --- prove ------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, needle", [
    ('{"input_data": [[1, 2, 3]]}', "expected 4 values"),
    ("[[1, 2, 3, 4, 5]]", "expected 4 values"),
    ("[[1, NaN, 3, 4]]", "must be finite"),
    ("[[1, Infinity, 3, 4]]", "must be finite"),
    ('[["a", 2, 3, 4]]', "numbers"),
    ('{"input": [1, 2, 3, 4]}', "input_data"),
    ("[[1, 2], [3]]", "rectangular"),
    ("{not json", "not valid JSON"),
    ("", "empty file"),
])
def test_prove_bad_input(tiny_circuit: CircuitDir, tmp_path: Path, content: str, needle: str) -> None:
    inp = tmp_path / "input.json"
    inp.write_text(content)
    r = run("prove", tiny_circuit.path, inp, "-o", tmp_path / "proof.json")
    assert_one_line_error(r, USAGE, "input.json", needle)
    assert entries(tmp_path) == ["input.json"]


def test_prove_inf_in_npy(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", np.array([1.0, np.inf, 0.0, 0.0]))
    r = run("prove", tiny_circuit.path, tmp_path / "x.npy", "-o", tmp_path / "p.json")
    assert_one_line_error(r, USAGE, "x.npy", "finite")
    assert not (tmp_path / "p.json").exists()


def test_prove_missing_input_and_circuit(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    r = run("prove", tiny_circuit.path, tmp_path / "none.json", "-o", tmp_path / "p.json")
    assert_one_line_error(r, USAGE, "none.json", "no such file")
    r = run("prove", tmp_path / "nodir", tiny_circuit.input, "-o", tmp_path / "p.json")
    assert_one_line_error(r, USAGE, "nodir", "not a circuit directory")


def test_prove_circuit_without_keys(circuit_copy: CircuitDir, tmp_path: Path) -> None:
    circuit_copy.pk.unlink()
    r = run("prove", circuit_copy.path, circuit_copy.input, "-o", tmp_path / "p.json")
    assert_one_line_error(r, USAGE, "pk.key", "missing")


# --- verify -----------------------------------------------------------------------------------

def copy_bundle(src: Path, dest: Path, edit=None) -> Path:  # type: ignore[no-untyped-def]
    data = json.loads(src.read_text())
    if edit is not None:
        edit(data)
    dest.write_text(json.dumps(data))
    return dest


def test_verify_proof_for_another_circuit(other_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    r = run("verify", other_circuit.path, tiny_bundle_path)
    assert r.exit_code == INVALID
    assert r.stdout.startswith("invalid: ") and "another circuit" in r.stdout


def test_verify_truncated_and_non_json(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                       tmp_path: Path) -> None:
    trunc = tmp_path / "trunc.json"
    trunc.write_bytes(tiny_bundle_path.read_bytes()[:500])
    assert_one_line_error(run("verify", tiny_circuit.path, trunc), USAGE, "trunc.json",
                          "not valid JSON")
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\x89PNG\r\n")
    assert_one_line_error(run("verify", tiny_circuit.path, junk), USAGE, "junk.json")
    other = tmp_path / "other.json"
    other.write_text('{"format": "something-else"}')
    assert_one_line_error(run("verify", tiny_circuit.path, other), USAGE, "other.json",
                          "not a zkverify proof bundle")
    assert_one_line_error(run("verify", tiny_circuit.path, tmp_path / "absent.json"), USAGE,
                          "absent.json", "no such file")


def test_verify_flipped_byte_in_proof(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                      tmp_path: Path) -> None:
    def flip(d: dict) -> None:
        d["proof"]["proof"][99] ^= 0x01
        d["proof"]["hex_proof"] = "0x" + bytes(d["proof"]["proof"]).hex()

    bad = copy_bundle(tiny_bundle_path, tmp_path / "flipped.json", flip)
    r = run("verify", tiny_circuit.path, bad, "--json")
    assert r.exit_code == INVALID
    v = json.loads(r.stdout)
    assert v["valid"] is False and "does not verify" in v["reason"]


def test_verify_edited_public_output_in_proof(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                              tmp_path: Path) -> None:
    """Change the proven output felt and the bundle's claim consistently: the proof must fail."""
    from zkverify import engine

    def edit(d: dict) -> None:
        inst = d["proof"]["instances"][0]
        scale = 7
        new = engine.felt_to_float(inst[-1], scale) + 1.0
        inst[-1] = engine.float_to_felt(new, scale)
        d["outputs"][0]["values"][-1] = engine.felt_to_float(inst[-1], scale)
        d["outputs"][0]["prediction"] = int(np.argmax(d["outputs"][0]["values"]))

    bad = copy_bundle(tiny_bundle_path, tmp_path / "edited.json", edit)
    r = run("verify", tiny_circuit.path, bad)
    assert r.exit_code == INVALID
    assert "does not verify" in r.stdout


def test_verify_edited_claim_in_bundle(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                       tmp_path: Path) -> None:
    """Leave the proof alone, lie in the decoded outputs or the prediction."""
    def lie_outputs(d: dict) -> None:
        d["outputs"][0]["values"][0] += 5.0

    def lie_prediction(d: dict) -> None:
        d["outputs"][0]["prediction"] = 1 - d["outputs"][0]["prediction"]

    for name, edit in (("outputs", lie_outputs), ("prediction", lie_prediction)):
        bad = copy_bundle(tiny_bundle_path, tmp_path / f"{name}.json", edit)
        r = run("verify", tiny_circuit.path, bad)
        assert r.exit_code == INVALID, name
        assert name in r.stdout


def test_verify_bundle_with_unknown_field(tiny_circuit: CircuitDir, tiny_bundle_path: Path,
                                          tmp_path: Path) -> None:
    bad = copy_bundle(tiny_bundle_path, tmp_path / "extra.json",
                      lambda d: d.update(trusted=True))
    # It parses as a bundle, so a forged field makes it invalid (exit 1), naming the field.
    r = run("verify", tiny_circuit.path, bad, "--json")
    assert r.exit_code == INVALID
    v = json.loads(r.stdout)
    assert v["valid"] is False and v["field"] == "trusted" and "unknown field" in v["reason"]


def test_verify_modified_circuit_dir(circuit_copy: CircuitDir, tiny_bundle_path: Path,
                                     tmp_path: Path) -> None:
    vk = circuit_copy.vk
    data = bytearray(vk.read_bytes())
    data[-1] ^= 0xFF
    vk.unlink()  # it is a hard link into the key cache: never write through it
    vk.write_bytes(bytes(data))
    assert_one_line_error(run("verify", circuit_copy.path, tiny_bundle_path), USAGE, "vk.key",
                          "does not match")


def test_verify_usage_errors(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    assert run("verify").exit_code == USAGE
    assert_one_line_error(run("verify", tiny_bundle_path), USAGE, "CIRCUIT_DIR PROOF")


def test_prove_input_far_outside_the_range(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    inp = tmp_path / "huge.json"
    inp.write_text("[[1e6, 1e6, 1e6, 1e6]]")
    r = run("prove", tiny_circuit.path, inp, "-o", tmp_path / "p.json")
    assert_one_line_error(r, USAGE, "huge.json", "cannot compute this input")
    assert not (tmp_path / "p.json").exists()


def test_build_with_a_file_that_is_not_an_srs(tiny_circuit: CircuitDir, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from .conftest import TINY_RUN_ARGS

    monkeypatch.setenv("ZKVERIFY_CACHE_DIR", str(tmp_path / "cache"))  # no cached keys to reuse
    bad = tmp_path / "fake.srs"
    bad.write_bytes(b"\xff" * 4096)
    args = [f"--run-arg={k}={v}" for k, v in TINY_RUN_ARGS.items()]
    r = run("build", tiny_circuit.onnx, "-o", tmp_path / "c", "--srs", bad, "--no-calibrate", *args)
    assert_one_line_error(r, USAGE, "fake.srs", "not a usable KZG SRS file")
    assert not (tmp_path / "c").exists()


def test_two_output_models_export_and_build_but_scores_are_declared(tmp_path: Path) -> None:
    import onnx
    import onnx.helper as h

    src = tmp_path / "two.py"
    src.write_text("import torch\n"
                   "class Two(torch.nn.Module):\n"
                   "    def forward(self, x):\n"
                   "        return x * 2, x + 1\n"
                   "def two():\n"
                   "    return Two()\n")
    r = run("export", f"{src}:two", "--input-shape", "1,4", "-o", tmp_path / "o")
    assert r.exit_code == 0 and "outputs output_0 [1, 4], output_1 [1, 4]" in r.stdout, r.stderr
    x = h.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 4])
    ys = [h.make_tensor_value_info(n, onnx.TensorProto.FLOAT, [1, 4]) for n in ("a", "b")]
    g = h.make_graph([h.make_node("Relu", ["input"], ["a"]), h.make_node("Neg", ["input"], ["b"])],
                     "two", [x], ys)
    onnx.save(h.make_model(g, opset_imports=[h.make_opsetid("", 18)]), str(tmp_path / "two.onnx"))
    # A two-output ONNX model builds now (issue 12); what is still refused, in one line and
    # before any work, is leaving open which output holds class scores.
    (tmp_path / "two.toml").write_text('name = "two"\n[model]\nonnx = "two.onnx"\n'
                                       'classifier = true\n')
    r = run("build", tmp_path / "two.toml", "-o", tmp_path / "c")
    assert_one_line_error(r, USAGE, "the model has 2 outputs (a, b)", "--classifier NAME")
    assert not (tmp_path / "c").exists()
    r = run("build", tmp_path / "two.onnx", "-o", tmp_path / "c", "--classifier", "c")
    assert_one_line_error(r, USAGE, "--classifier c: no such output (the model's outputs: a, b)")
    assert not (tmp_path / "c").exists()
