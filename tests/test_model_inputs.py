"""Models that are not a float MLP: an int64 input is fed to onnxruntime as int64, and where
onnxruntime cannot give a float reference the build goes on and says so (it fails only where
the user asked for a bound)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from zkverify.cli import cli

RUN_ARGS = ["--no-calibrate", "--run-arg", "input_scale=7", "--run-arg", "param_scale=7",
            "--max-logrows", "12"]


def int_model(path: Path, relu: bool = False) -> Path:
    """int64 input (think token ids or counts) -> Cast -> MatMul.

    ``relu``: a Relu on the int64 input first, valid ONNX that ezkl proves but for which
    onnxruntime has no CPU kernel (so there is no float reference)."""
    import onnx
    import onnx.helper as h
    from onnx import TensorProto, numpy_helper

    w = numpy_helper.from_array(np.array([[0.5, -0.25], [0.125, 1.0], [0.75, 0.5], [-1.0, 0.25]],
                                         dtype=np.float32), "W")
    x = h.make_tensor_value_info("ids", TensorProto.INT64, [1, 4])
    y = h.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    first = [h.make_node("Relu", ["ids"], ["pos"])] if relu else []
    g = h.make_graph([*first, h.make_node("Cast", ["pos" if relu else "ids"], ["xf"],
                                          to=TensorProto.FLOAT),
                      h.make_node("MatMul", ["xf", "W"], ["y"])], "ints", [x], [y], [w])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 14)])
    m.ir_version = 8
    onnx.save(m, str(path))
    return path


def run(*args: object) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture(scope="module")
def int_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return int_model(tmp_path_factory.mktemp("ints") / "ints.onnx")


@pytest.fixture(scope="module")
def no_ort_onnx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return int_model(tmp_path_factory.mktemp("relu") / "relu_ints.onnx", relu=True)


def test_int64_input_is_measured_with_its_dtype_and_proves(int_onnx: Path, tmp_path: Path) -> None:
    code, out, err = run("build", int_onnx, "-o", tmp_path / "c", *RUN_ARGS, "--json")
    assert code == 0, err
    res = json.loads(out)
    q = res["manifest"]["quantization"]
    assert q["float_reference"] == "onnxruntime" and q["samples"] > 0
    assert q["max_abs_error"] is not None and q["max_abs_error"] < 0.05
    # calibration samples are integers, not fractions
    assert any("random integers in [0, 2)" in w for w in res["warnings"])
    (tmp_path / "x.json").write_text(json.dumps({"input_data": [[3, 0, 1, 2]]}))
    code, _, err = run("prove", tmp_path / "c", tmp_path / "x.json", "-o", tmp_path / "p.json")
    assert code == 0, err
    code, out, _ = run("verify", tmp_path / "c", tmp_path / "p.json", "--json")
    v = json.loads(out)
    # 3*[0.5,-0.25] + 1*[0.75,0.5] + 2*[-1,0.25] = [0.25, 0.25]
    assert code == 0 and v["valid"] and np.allclose(v["outputs"][0], [0.25, 0.25], atol=0.02)


def test_no_float_reference_never_blocks_the_build(int_onnx: Path, no_ort_onnx: Path,
                                                   tmp_path: Path) -> None:
    """A model onnxruntime cannot run (no int64 Relu kernel) but ezkl proves: the build goes on."""
    # Fractional values for an integer input are not a way around it: they are refused.
    np.save(tmp_path / "frac.npy", np.full((4, 1, 4), 0.5))
    code, _, err = run("build", int_onnx, "-o", tmp_path / "f", *RUN_ARGS,
                       "--calibration-data", tmp_path / "frac.npy")
    assert code == 2 and "value #0 is 0.5, the input 'ids' is int64 (a whole number is required)" in err
    np.save(tmp_path / "cal.npy", np.ones((4, 1, 4), dtype=np.int64))
    code, out, err = run("build", no_ort_onnx, "-o", tmp_path / "c", *RUN_ARGS,
                         "--calibration-data", tmp_path / "cal.npy", "--json")
    assert code == 0, err
    q = json.loads(out)["manifest"]["quantization"]
    assert q["max_abs_error"] is None and q["float_reference"].startswith("unavailable: ")
    assert "onnxruntime cannot load it" in q["float_reference"]
    assert "Relu" in q["float_reference"]
    assert "building" not in q["float_reference"]  # no staging paths in what users read
    # Only a bound the user asked for makes it fail: it cannot be checked.
    code, _, err = run("build", no_ort_onnx, "-o", tmp_path / "d", *RUN_ARGS,
                       "--calibration-data", tmp_path / "cal.npy", "--tolerance", "0.1")
    assert code == 1 and "no float reference to check the bound against" in err
    assert not (tmp_path / "d").exists()


def test_class_scores_are_declared_never_guessed(tiny_circuit, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Two outputs are values unless --classifier OUTPUT (or the spec) says they are scores."""
    import onnx

    from zkverify.card import Card
    from zkverify.manifest import ProofBundle

    onnx_path = tiny_circuit.onnx
    name = onnx.load(str(onnx_path)).graph.output[0].name
    code, out, err = run("build", onnx_path, "-o", tmp_path / "v", *RUN_ARGS, "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["manifest"]["classifier"] is False
    assert Card.load(tmp_path / "v" / "card.json").output_rules() == ["values"]
    assert any(f"pass --classifier {name}" in w for w in res["warnings"])
    code, _, _ = run("prove", tmp_path / "v", tiny_circuit.input, "-o", tmp_path / "v.json")
    bundle = json.loads((tmp_path / "v.json").read_text())
    assert code == 0 and bundle["outputs"][0]["prediction"] is None  # the values, not a class
    assert ProofBundle.load(tmp_path / "v.json").prediction == bundle["outputs"][0]["values"]
    code, out, err = run("build", onnx_path, "-o", tmp_path / "c", *RUN_ARGS, "--classifier", name,
                         "--json")
    assert code == 0, err
    assert Card.load(tmp_path / "c" / "card.json").output_rules() == ["argmax"]
    assert not any("--classifier" in w for w in json.loads(out)["warnings"])
    code, _, err = run("build", onnx_path, "-o", tmp_path / "x", *RUN_ARGS, "--classifier", "nope")
    assert code == 2 and f"no such output (the model's outputs: {name})" in err
    code, _, err = run("build", onnx_path, "-o", tmp_path / "y", *RUN_ARGS, "--classifier", name,
                       "--regressor")
    assert code == 2 and "pick one" in err and not (tmp_path / "y").exists()
