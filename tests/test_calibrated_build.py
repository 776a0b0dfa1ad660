"""Calibrated builds, with real ezkl: the default `build` (random calibration data), a
`--calibration-data` build (.npy and ezkl's JSON form), the calibrated-settings cache and a
`circuits/*.toml` spec.

Every build here passes `--max-logrows 11` (or `logrows = 11` in the spec): an upper bound that
ezkl's calibration works under (it still picks the scales, the lookup range and the rest), so the
tiny model builds in seconds instead of generating a logrows-15 SRS and keys (~35 s).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from zkverify.cache import cache_root
from zkverify.cli import cli
from zkverify.exporting import export_model
from zkverify.files import sha256_file
from zkverify.manifest import CircuitDir, ProofBundle

from .test_bad_input import assert_one_line_error

TESTS = Path(__file__).parent
LOGROWS = "11"  # the calibrated tiny model fits; 10 leaves ezkl's calibration no candidate
USAGE = 2


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def build(*args: object) -> Result:
    r = run("build", *args, "--max-logrows", LOGROWS)
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr, r.exception)
    return r


def settings_entries() -> dict[str, tuple[int, int, str]]:
    """The calibrated-settings cache: entry name -> (inode, mtime_ns, sha256)."""
    d = cache_root() / "settings"
    if not d.is_dir():
        return {}
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, sha256_file(p))
            for p in d.iterdir() if p.suffix == ".json"}


def float_outputs(onnx: Path, samples: np.ndarray) -> np.ndarray:
    """The float model's outputs, straight from onnxruntime (not through zkverify)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx), providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    return np.asarray([sess.run(None, {name: s.reshape(1, 4).astype(np.float32)})[0].reshape(-1)
                       for s in samples], dtype=np.float64)


@pytest.fixture(scope="module")
def onnx(tmp_path_factory: pytest.TempPathFactory, _cache_dir: Path) -> Path:
    d = tmp_path_factory.mktemp("caltiny")
    return export_model(f"{TESTS / 'tiny_model.py'}:tiny_mlp", (1, 4), d / "model").onnx_path


@pytest.fixture(scope="module")
def samples() -> np.ndarray:
    """Six calibration samples, batch first, wider than the default random [-1, 1) data."""
    return np.random.default_rng(7).normal(0.0, 2.0, size=(6, 1, 4))


@pytest.fixture(scope="module")
def npy_build(onnx: Path, samples: np.ndarray,
              tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CircuitDir]:
    """A `--calibration-data FILE.npy` build (the first with this data in this cache)."""
    d = tmp_path_factory.mktemp("calnpy")
    data = d / "cal.npy"
    np.save(data, samples)
    build(onnx, "-o", d / "circuit", "--calibration-data", data)
    return data, CircuitDir(d / "circuit")


def test_default_build_is_calibrated_and_proves(onnx: Path, tmp_path: Path) -> None:
    r = build(onnx, "-o", tmp_path / "cal")
    # the random-data warning is on stderr; stdout holds the result only
    assert "warning: no calibration data: calibrating on 16 random inputs" in r.stderr
    assert "--calibration-data" in r.stderr
    assert "warning" not in r.stdout and "logrows 11" in r.stdout
    cd = CircuitDir(tmp_path / "cal")
    m = cd.load_manifest()
    assert m.calibration == {"target": "resources", "samples": 16, "calibrated": True,
                             "settings_reused": m.calibration["settings_reused"],
                             "data": "random"}
    assert m.quantization["samples"] == 16
    settings = cd.settings_json()
    assert m.run_args == settings["run_args"] and m.logrows == 11

    # the same model, same bound, no calibration: ezkl's gen_settings defaults
    build(onnx, "-o", tmp_path / "raw", "--no-calibrate")
    raw = CircuitDir(tmp_path / "raw")
    assert raw.load_manifest().calibration["calibrated"] is False
    raw_args = raw.settings_json()["run_args"]
    assert (raw_args["input_scale"], raw_args["param_scale"]) == (7, 7)
    # calibration chose other scales (and therefore another circuit and vk)
    assert (settings["run_args"]["input_scale"], settings["run_args"]["param_scale"]) != (7, 7)
    assert m.artifacts["settings.json"] != raw.load_manifest().artifacts["settings.json"]
    assert m.artifacts["vk.key"] != raw.load_manifest().artifacts["vk.key"]
    # finer scales: the calibrated circuit tracks the float model more closely
    assert m.quantization["max_abs_error"] < raw.load_manifest().quantization["max_abs_error"]

    proof = tmp_path / "proof.json"
    p = run("prove", cd.path, cd.input, "-o", proof)
    assert p.exit_code == 0, (p.stdout, p.stderr)
    v = run("verify", cd.path, proof, "--json")
    assert v.exit_code == 0, (v.stdout, v.stderr)
    assert json.loads(v.stdout)["valid"] is True


def test_npy_calibration_data_is_what_the_report_measured(
        npy_build: tuple[Path, CircuitDir], onnx: Path, samples: np.ndarray,
        tmp_path: Path) -> None:
    data, cd = npy_build
    m = cd.load_manifest()
    assert m.calibration["data"] == str(data)
    assert m.calibration["samples"] == 6 and m.calibration["calibrated"] is True
    assert m.calibration["settings_reused"] is False
    q = m.quantization
    assert q["samples"] == 6
    # the build's input.json is the first calibration sample
    assert json.loads(cd.input.read_text())["input_data"][0] == pytest.approx(
        samples[0].reshape(-1).tolist())

    # Recompute the report independently: ezkl's witness for every sample against
    # onnxruntime's float outputs...
    import ezkl

    circuit = []
    for i, s in enumerate(samples):
        inp, wit = tmp_path / f"in{i}.json", tmp_path / f"wit{i}.json"
        inp.write_text(json.dumps({"input_data": [s.reshape(-1).tolist()]}))
        ezkl.gen_witness(data=str(inp), model=str(cd.compiled), output=str(wit))
        rescaled = json.loads(wit.read_text())["pretty_elements"]["rescaled_outputs"]
        circuit.append([float(v) for group in rescaled for v in group])
    err = np.abs(float_outputs(onnx, samples.reshape(6, 4)) - np.asarray(circuit))
    assert q["max_abs_error"] == pytest.approx(float(err.max()), rel=1e-6, abs=1e-12)
    assert q["mean_abs_error"] == pytest.approx(float(err.mean()), rel=1e-6, abs=1e-12)
    # ... and the worst sample proven: its proven outputs carry exactly the recorded max error
    worst = int(err.max(axis=1).argmax())
    proof = tmp_path / "worst.proof.json"
    r = run("prove", cd.path, tmp_path / f"in{worst}.json", "-o", proof)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    proven = np.asarray(ProofBundle.load(proof).output_values, dtype=np.float64).reshape(-1)
    assert proven == pytest.approx(circuit[worst], rel=1e-9, abs=1e-12)
    assert float(err[worst].max()) == pytest.approx(q["max_abs_error"], rel=1e-6, abs=1e-12)
    v = run("verify", cd.path, proof)
    assert v.exit_code == 0, (v.stdout, v.stderr)


def test_ezkl_json_calibration_data_reads_as_the_same_samples(
        npy_build: tuple[Path, CircuitDir], onnx: Path, samples: np.ndarray,
        tmp_path: Path) -> None:
    """ezkl's form, every sample flattened into one list, is the same data as the .npy."""
    _, npy_cd = npy_build
    data = tmp_path / "cal.json"
    data.write_text(json.dumps({"input_data": [samples.reshape(-1).tolist()]}))
    build(onnx, "-o", tmp_path / "circuit", "--calibration-data", data)
    cd = CircuitDir(tmp_path / "circuit")
    m, npy_m = cd.load_manifest(), npy_cd.load_manifest()
    assert m.calibration["data"] == str(data) and m.calibration["samples"] == 6
    assert m.quantization == npy_m.quantization
    # same samples -> same calibration; the settings cache is keyed by content, not file name
    assert m.calibration["settings_reused"] is True
    assert m.artifacts["settings.json"] == npy_m.artifacts["settings.json"]


def test_calibrated_settings_cache(npy_build: tuple[Path, CircuitDir], onnx: Path,
                                   samples: np.ndarray, tmp_path: Path) -> None:
    data, first = npy_build
    first_sha = first.load_manifest().artifacts["settings.json"]
    before = settings_entries()
    assert first_sha in {sha for _, _, sha in before.values()}

    build(onnx, "-o", tmp_path / "again", "--calibration-data", data)
    again = CircuitDir(tmp_path / "again")
    m = again.load_manifest()
    assert m.calibration["settings_reused"] is True
    assert m.artifacts["settings.json"] == first_sha == sha256_file(again.settings)
    assert settings_entries() == before  # same names, same files, untouched

    other = tmp_path / "other.npy"
    changed = samples.copy()
    changed[0] *= 3.0
    np.save(other, changed)
    build(onnx, "-o", tmp_path / "other", "--calibration-data", other)
    m2 = CircuitDir(tmp_path / "other").load_manifest()
    assert m2.calibration["settings_reused"] is False
    after = settings_entries()
    new = set(after) - set(before)
    assert len(new) == 1 and len(after) == len(before) + 1
    assert {k: after[k] for k in before} == before
    assert after[new.pop()][2] == m2.artifacts["settings.json"]


def _write_spec(d: Path, body: str) -> Path:
    spec = d / "tiny_spec.toml"
    spec.write_text(body)
    return spec


def _spec_body(d: Path) -> str:
    factory = os.path.relpath(TESTS / "tiny_model.py", d)  # paths are relative to the spec
    return f"""\
name = "tiny_spec"
description = "tests/tiny_model.py:tiny_mlp"

[model]
factory = "{factory}:tiny_mlp"
input_shape = [1, 4]
classifier = true

[calibration]
data = "cal.npy"
target = "resources"

[visibility]
input = "private"
output = "public"
param = "fixed"

[tolerance]
max_abs_error = 0.5
min_agreement = 0.5

[run_args]
logrows = 11
"""


def test_spec_build(samples: np.ndarray, tmp_path: Path) -> None:
    np.save(tmp_path / "cal.npy", samples)
    spec = _write_spec(tmp_path, _spec_body(tmp_path))
    r = run("build", spec, "-o", tmp_path / "circuit")
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr, r.exception)
    assert "no calibration data" not in r.stderr
    m = CircuitDir(tmp_path / "circuit").load_manifest()
    assert m.name == "tiny_spec"
    assert m.source["kind"] == "spec" and m.source["spec_name"] == "tiny_spec"
    assert m.visibility["input"] == "private" and m.visibility["output"] == "public"
    assert m.visibility["param"] == "fixed"
    assert m.quantization["tolerance"] == 0.5 and m.quantization["min_agreement"] == 0.5
    assert m.classifier is True and m.logrows <= 11
    assert m.calibration["data"] == str(tmp_path / "cal.npy")
    assert m.calibration["samples"] == 6 and m.calibration["calibrated"] is True
    assert m.calibration["target"] == "resources"


@pytest.mark.parametrize("edit, needles", [
    (lambda s: s.replace('name = "tiny_spec"', 'name = "tiny_spec"\ncolour = "red"'),
     ["colour", "Extra inputs are not permitted"]),
    (lambda s: s.replace("classifier = true", "clasifier = true"), ["model.clasifier"]),
    (lambda s: s.replace('input = "private"', 'input = "secret"'),
     ["visibility.input", "'secret'"]),
    (lambda s: s.replace("min_agreement = 0.5", "min_agreement = 95"),
     ["tolerance.min_agreement"]),
    (lambda s: s.replace("input_shape = [1, 4]", 'input_shape = "1x4"'), ["model.input_shape"]),
])
def test_bad_spec_is_one_line_exit_2(tmp_path: Path, edit, needles: list[str]) -> None:
    spec = _write_spec(tmp_path, edit(_spec_body(tmp_path)))
    r = run("build", spec, "-o", tmp_path / "circuit")
    assert_one_line_error(r, USAGE, "tiny_spec.toml", *needles)
    assert not (tmp_path / "circuit").exists()
