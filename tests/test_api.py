"""The Python API reads like the CLI: functions named after the commands, which stay functions
after any module is imported, verdicts that are falsy when invalid, everything visible to
help() and dir()."""

from __future__ import annotations

import json
import pydoc
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import zkverify
from zkverify.manifest import CircuitDir

COMMANDS = ("export", "build", "prove", "verify", "tune", "estimate")


def test_entry_points_are_functions_even_after_every_module_is_imported() -> None:
    import zkverify.cli
    import zkverify.exporting
    import zkverify.proving
    import zkverify.tuning
    import zkverify.verifying  # noqa: F401

    for name in COMMANDS:
        assert callable(getattr(zkverify, name)) and getattr(zkverify, name).__module__ == "zkverify.api"


def test_help_and_dir_show_the_entry_points() -> None:
    text = pydoc.plain(pydoc.render_doc(zkverify))
    for name in COMMANDS:
        assert f"{name}(" in text, name
        assert name in dir(zkverify)
    assert "Verdict" in dir(zkverify) and "ProofBundle" in text


def test_prove_and_verify_from_paths_and_values(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    bundle = zkverify.prove(tiny_circuit.path, tiny_circuit.input, tmp_path / "p.json")
    verdict = zkverify.verify(tiny_circuit.path, tmp_path / "p.json")
    assert verdict and verdict.valid and verdict.exit_code == 0
    assert verdict.prediction == bundle.prediction and verdict.outputs == bundle.output_values
    x = json.loads(tiny_circuit.input.read_text())["input_data"][0]
    again = zkverify.prove(str(tiny_circuit.path), np.asarray(x).reshape(1, 4), tmp_path)
    assert (tmp_path / "input.proof.json").is_file()  # an existing directory gets a file inside
    assert again.outputs == bundle.outputs
    assert zkverify.verify(tiny_circuit.path, again.model_dump(mode="json"))


def test_an_invalid_verdict_is_falsy_and_states_nothing_claimed(tiny_circuit: CircuitDir,
                                                                tiny_bundle_path: Path) -> None:
    data = json.loads(tiny_bundle_path.read_text())
    data["outputs"][0]["prediction"] = 1 - data["outputs"][0]["prediction"]
    verdict = zkverify.verify(tiny_circuit.path, data)
    assert not verdict and verdict.exit_code == 1 and verdict.field == "outputs[0].prediction"
    assert verdict.prediction is None and verdict.outputs is None


def test_build_takes_options_as_keywords(tiny_circuit: CircuitDir, tmp_path: Path) -> None:
    from .conftest import TINY_RUN_ARGS

    res = zkverify.build(tiny_circuit.onnx, tmp_path / "c", calibrate=False,
                         run_args=dict(TINY_RUN_ARGS), name="kw")
    assert res.manifest.name == "kw" and (tmp_path / "c" / "card.json").is_file()
    with pytest.raises(TypeError):
        zkverify.build(tiny_circuit.onnx, tmp_path / "d", no_such_option=1)


def test_first_release_names_still_work(tiny_circuit: CircuitDir, tiny_bundle_path: Path) -> None:
    assert zkverify.verify_bundle(tiny_circuit.path, tiny_bundle_path).valid
    assert callable(zkverify.prove_file) and callable(zkverify.export_model)


def test_import_zkverify_stays_light() -> None:
    code = ("import sys, zkverify; "
            "print(sorted(m for m in ('torch', 'ezkl', 'onnxruntime', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
